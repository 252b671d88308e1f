import { isGone, type JobRecords } from '@fhir-bulk/jobs';
import type { ApiMetrics } from '@fhir-bulk/metrics';
import {
  buildImportResult,
  type ImportHeartbeat,
  type ImportJobInput,
  importPrefix,
  recordedImport,
  type ImportProgress,
} from '@fhir-bulk/import';
import type { ObjectStore } from '@fhir-bulk/object-store';
import { IMPORT_WORKFLOW, importProgressQuery, type ImportSummary } from '@fhir-bulk/workflow-contract';
import {
  ApplicationFailure,
  type Client,
  type WorkflowExecutionDescription,
  WorkflowFailedError,
} from '@temporalio/client';
import type { ImportJobs, ImportJobStatus } from './job-interfaces';
import { type JobMemo, queryJob, runningCheckpoints, TemporalJobs } from './temporal-job-base';

/** The worker's non-retryable failure type for input problems (apps/worker/src/import/import-error.ts). */
const IMPORT_ERROR = 'ImportError';

/** Import jobs as Temporal workflows plus their job records (see TemporalJobs). */
export class TemporalImportJobs extends TemporalJobs<ImportJobInput, ImportSummary> implements ImportJobs {
  constructor(
    client: Client,
    taskQueue: string,
    records: JobRecords,
    private readonly objects: ObjectStore,
    private readonly timeoutMs: number,
    metrics: ApiMetrics,
  ) {
    super(client, taskQueue, records, IMPORT_WORKFLOW, 'import', metrics);
  }

  async start(input: ImportJobInput): Promise<void> {
    await this.startWorkflow(input, { record: recordedImport(input), timeoutMs: this.timeoutMs });
  }

  async status(tenant: string, jobId: string): Promise<ImportJobStatus> {
    const description = await this.describe(tenant, jobId);
    if (!description || isGone(await this.records.find(jobId))) return { state: 'gone' };
    const handle = this.handle(jobId);
    switch (description.status.name) {
      case 'RUNNING': {
        const progress = await queryJob(this.client, jobId, importProgressQuery);
        return { state: 'running', ...(progress ? { progress: withRunningFiles(progress, description) } : {}) };
      }
      case 'COMPLETED': {
        const { files } = await handle.result();
        const memo = description.memo as unknown as JobMemo;
        return {
          state: 'completed',
          result: buildImportResult({ jobId, ...memo, requestUrl: memo.request }, files),
        };
      }
      case 'CANCELLED':
        return { state: 'gone' };
      case 'TIMED_OUT':
        return { state: 'failed', message: 'The import did not finish in time', clientFault: false };
      default:
        return { state: 'failed', ...(await failureOf(handle.result())) };
    }
  }

  /** A finished job's only objects are its error reports (a few files): removed here, then 404 from now on. */
  protected async removeFinished(tenant: string, jobId: string) {
    await this.objects.deletePrefix(importPrefix(tenant, jobId));
    return true;
  }
}

/**
 * Adds what running file activities have done (their last heartbeat's checkpoint) to what finished files did, and
 * the longest stall among them.
 */
function withRunningFiles(progress: ImportProgress, description: WorkflowExecutionDescription): ImportProgress {
  const running = runningCheckpoints<ImportHeartbeat>(description);
  const sum = (field: 'offset' | 'count' | 'errors') => running.reduce((total, c) => total + (c?.[field] ?? 0), 0);
  const stalledSeconds = Math.max(0, ...running.map((c) => c?.stalledSeconds ?? 0));
  return {
    ...progress,
    bytesDone: progress.bytesDone + sum('offset'),
    resources: progress.resources + sum('count'),
    errors: progress.errors + sum('errors'),
    ...(stalledSeconds > 0 ? { stalledSeconds } : {}),
  };
}

/** Why a job failed: the innermost failure's message; input problems (ImportError) are the client's fault. */
async function failureOf(result: Promise<unknown>): Promise<{ message: string; clientFault: boolean }> {
  try {
    await result;
    return { message: 'The import ended without a result', clientFault: false };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) return { message: (error as Error).message, clientFault: false };
    let cause: Error | undefined = error.cause;
    while (cause?.cause instanceof Error) cause = cause.cause;
    const clientFault = cause instanceof ApplicationFailure && cause.type === IMPORT_ERROR;
    return { message: cause?.message ?? error.message, clientFault };
  }
}
