import { type OperationOutcome, OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import type { RunBudget } from './run-budget';
import type { ViewBudgetError, ViewEvaluationError, ViewProblem } from '@fhir-bulk/view-definition';

/**
 * A view that cannot be run, as one OperationOutcome issue per problem, each located by `expression`. 400 when it
 * is the body of a write; 422 when `$viewdefinition-run` is asked to run it, the operation's own status for "valid
 * request, but the ViewDefinition is invalid".
 */
export function invalidView(problems: readonly ViewProblem[], status: 400 | 422): OperationOutcomeError {
  const body: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: problems.map((p) => ({
      severity: 'error',
      code: 'invalid',
      diagnostics: `${p.path}: ${p.message}`,
      expression: [p.path],
    })),
  };
  return new OperationOutcomeError(status, body);
}

/**
 * A valid view that failed on one resource (e.g. two values in a column without `collection: true`). 422, not
 * 500: nothing is wrong with the server; this view does not fit this data, and the diagnostics name the resource.
 */
export const unprocessableResource = (error: ViewEvaluationError): OperationOutcomeError =>
  new OperationOutcomeError(422, outcome('error', 'processing', error.message, error.path));

/**
 * A run over its budget: 422 `too-costly`, naming what went over and the budget, and where large results belong.
 * Thrown before the first byte is sent when the budget trips early; later, the connection is cut instead.
 */
export const tooCostly = (error: ViewBudgetError, budget: RunBudget): OperationOutcomeError =>
  new OperationOutcomeError(
    422,
    outcome(
      'error',
      'too-costly',
      `${error.message}. A synchronous $viewdefinition-run may make ${budget.maxRows} rows, ` +
        `${budget.maxRowsPerResource} from one resource, in ${budget.maxMillis / 1000} s; ` +
        'use _limit, or $viewdefinition-export for large results',
    ),
  );
