import type { Logger as JsonLogger } from '@fhir-bulk/logging';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import { jobKindOfWorkflow } from './job-log-attributes';

/**
 * What the SDK warns at every start of the two workers `runWorkers` starts (activities and workflows each on a worker
 * of its own, on purpose): nothing for an operator to act on, so not printed.
 */
const SPLIT_WORKER_NOTICES = new Set([
  'No workflows registered, not polling for workflow tasks',
  'No activities registered, not polling for activity tasks',
]);

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The Temporal SDK's logger (Runtime.install): its lines, and those of workflows' `log` and activities'
 * `Context.current().log`, become JSON lines of the worker's own logger, without the notices of the deliberate split.
 */
export class SdkLogger implements Logger {
  constructor(private readonly logger: JsonLogger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (!SPLIT_WORKER_NOTICES.has(message)) this.logger[LEVELS[level]](sdkFields(meta ?? {}), message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * The SDK's metadata as the line's fields. A job's workflow id is its job id (a purge's is `{jobId}/purge`), so lines
 * of job workflows say `jobId` and `kind` as every other line about a job does (activities' lines already carry
 * them, see job-log-attributes.ts). The task token is left out: it completes the activity from outside.
 */
function sdkFields(meta: LogMetadata): LogMetadata {
  const { taskToken: _token, ...fields } = meta;
  const kind = typeof meta.workflowType === 'string' ? jobKindOfWorkflow(meta.workflowType) : undefined;
  if (!kind || typeof meta.workflowId !== 'string') return fields;
  return { jobId: meta.workflowId.split('/')[0], kind, ...fields };
}
