import type { LogLevel, LogMetadata } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';

/**
 * What the SDK warns at every start of the two workers `runWorkers` starts (activities and workflows each on a worker
 * of its own, on purpose): nothing for an operator to act on, so not printed.
 */
const SPLIT_WORKER_NOTICES = new Set([
  'No workflows registered, not polling for workflow tasks',
  'No activities registered, not polling for activity tasks',
]);

/** The SDK's default logger, without the notices of the deliberate split. */
export class SdkLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (!SPLIT_WORKER_NOTICES.has(message)) super.log(level, message, meta);
  }
}
