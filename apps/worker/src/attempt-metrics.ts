import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

/**
 * Runs one attempt of the current activity and tells `ended` how long it took, with why it failed if it did. A
 * cancelled attempt is neither done nor failed, so it is not reported.
 */
export async function timedAttempt<T>(
  work: () => Promise<T>,
  ended: (seconds: number, failure?: string) => void,
): Promise<T> {
  const signal = Context.current().cancellationSignal;
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;
  try {
    const result = await work();
    ended(seconds());
    return result;
  } catch (error) {
    if (!signal.aborted) ended(seconds(), failureReason(error));
    throw error;
  }
}

/**
 * A failure as a metric label: the type of our own failures (`ExportError`, `ImportError`), else the error's class
 * name (`MongoNetworkError`, `S3ServiceException`, …): a short list, never a message, which may hold data.
 */
export function failureReason(error: unknown): string {
  if (error instanceof ApplicationFailure) return error.type ?? error.name;
  return error instanceof Error ? error.name : 'unknown';
}
