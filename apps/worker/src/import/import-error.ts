import { ApplicationFailure } from '@temporalio/common';

export const IMPORT_ERROR = 'ImportError';

/**
 * A failure no retry can fix (an input that vanished or changed, a bucket not allowed): the workflow's retry
 * policy names this type as non-retryable, so the job fails at once with this message.
 */
export function importError(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: IMPORT_ERROR, message, nonRetryable: true });
}
