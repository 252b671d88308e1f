import { OperationOutcomeError } from '@fhir-bulk/fhir';

/** The OperationOutcomeError `run` throws; fails the test when it throws nothing or something else. */
export function rejection(run: () => unknown): OperationOutcomeError {
  try {
    run();
  } catch (error) {
    if (error instanceof OperationOutcomeError) return error;
    throw error;
  }
  throw new Error('expected an OperationOutcomeError');
}

/** The single issue of what `run` throws, with its status, for `toMatchObject`. */
export function issueOf(run: () => unknown) {
  const error = rejection(run);
  expect(error.outcome.issue).toHaveLength(1);
  return { status: error.status, ...error.outcome.issue[0] };
}
