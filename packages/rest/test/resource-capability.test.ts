import { capabilityStatement, R4_RESOURCE_TYPES } from '@fhir-bulk/fhir';
import { declaredSearchParameters } from '@fhir-bulk/search';
import { validateResource } from '@fhir-bulk/validation';
import { BUNDLE_TYPES, resourceCapability } from '../src';

const EVERY: Parameters<typeof resourceCapability>[1] = [
  'search-type',
  'create',
  'read',
  'update',
  'delete',
  'history-instance',
  'vread',
];

describe('resourceCapability', () => {
  it('declares the interactions given, with the flags their handlers earn', () => {
    expect(resourceCapability('Patient', EVERY)).toMatchObject({
      type: 'Patient',
      interaction: EVERY.map((code) => ({ code })),
      versioning: 'versioned-update',
      readHistory: true,
      updateCreate: true,
    });
  });

  it('leaves out a flag, and the search parameters, whose interaction is not given', () => {
    const readOnly = resourceCapability('Patient', ['read']);
    expect(readOnly).toEqual({ type: 'Patient', interaction: [{ code: 'read' }] });
  });

  it('declares the type’s search parameters, then _count and _summary', () => {
    const names = resourceCapability('Observation', EVERY).searchParam?.map((p) => p.name);
    expect(names).toEqual([...declaredSearchParameters('Observation').map((p) => p.name), '_count', '_summary']);
  });

  it('makes, with the statement around it, a valid R4 CapabilityStatement', () => {
    const statement = capabilityStatement({
      baseUrl: 'https://fhir.example/tenant/a',
      software: { name: 'fhir-bulk', version: '0' },
      date: '2025-01-01T00:00:00.000Z',
      resources: R4_RESOURCE_TYPES.map((type) => resourceCapability(type, EVERY)),
      systemInteractions: BUNDLE_TYPES,
      exportLevels: ['system', 'patient', 'group'],
      importDefinition: 'https://fhir.example/tenant/a/OperationDefinition/import',
      oauth: { token: 'https://fhir.example/auth/token', register: 'https://fhir.example/auth/register' },
    });
    // The official R4 JSON schema's FHIRVersion codes stop at 4.0.0, although 4.0.1 is R4's own version.
    const issues = validateResource(statement).filter((i) => i.expression !== 'CapabilityStatement.fhirVersion');
    expect(issues).toEqual([]);
    expect(statement.rest[0]?.interaction).toEqual([{ code: 'transaction' }, { code: 'batch' }]);
  });
});
