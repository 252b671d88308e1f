import { EXPORT_WORKFLOW, IMPORT_WORKFLOW, PURGE_EXPORT_WORKFLOW, type Workflows } from '@fhir-bulk/workflow-contract';
import * as workflows from '../src/workflows';

// Type-checked: every workflow the API starts by name takes and returns what the contract says.
const implemented: Workflows = workflows;

describe('the workflow contract', () => {
  it('names workflows the worker exports, under the names it exports them by', () => {
    const names = [EXPORT_WORKFLOW, IMPORT_WORKFLOW, PURGE_EXPORT_WORKFLOW];
    expect(Object.keys(implemented)).toEqual(expect.arrayContaining(names));
  });
});
