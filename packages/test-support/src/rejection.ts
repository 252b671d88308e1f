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
