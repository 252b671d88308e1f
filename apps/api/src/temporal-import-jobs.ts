import type { JobRecords } from '@fhir-bulk/export';
import {
  buildImportResult,
  IMPORT_PROGRESS_QUERY,
  IMPORT_WORKFLOW,
  type ImportCheckpoint,
  type ImportedFile,
  type ImportJobInput,
  importPrefix,
  recordedImport,
  type ImportProgress,
} from '@fhir-bulk/import';
import type { ObjectStore } from '@fhir-bulk/object-store';
import {
  ApplicationFailure,
  type Client,
  type WorkflowExecutionDescription,
  WorkflowFailedError,
} from '@temporalio/client';
import type { ImportJobs, ImportJobStatus } from './import-jobs';
import { describeJob, isGone, queryJob, runningCheckpoints, SEARCH_KEYS } from './temporal-jobs';

/** The worker's non-retryable failure type for input problems (apps/worker/src/import/import-error.ts). */
const IMPORT_ERROR = 'ImportError';

/** Import jobs as Temporal workflows (workflowId = job id) plus their MongoDB records (cancel, delete). */
export class TemporalImportJobs implements ImportJobs {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    readonly records: JobRecords,
    private readonly objects: ObjectStore,
    private readonly timeoutMs: number,
  ) {}

  async start(input: ImportJobInput): Promise<void> {
    await this.client.workflow.start(IMPORT_WORKFLOW, {
      taskQueue: this.taskQueue,
      workflowId: input.jobId,
      args: [input],
      workflowExecutionTimeout: this.timeoutMs,
      typedSearchAttributes: [
        { key: SEARCH_KEYS.kind, value: 'import' },
        { key: SEARCH_KEYS.tenant, value: input.tenant },
        { key: SEARCH_KEYS.types, value: [...new Set(input.inputs.map((i) => i.type))].slice(0, 100) },
      ],
      memo: {
        tenant: input.tenant,
        request: input.requestUrl,
        transactionTime: input.transactionTime,
        baseUrl: input.baseUrl,
      },
    });
    // Recorded now, not only when the worker plans it: its owner must answer the client's very first poll.
    await this.records.started(recordedImport(input), new Date(input.transactionTime));
  }

  async status(tenant: string, jobId: string): Promise<ImportJobStatus> {
    const description = await describeJob(this.client, tenant, jobId, IMPORT_WORKFLOW);
    if (!description || isGone(await this.records.find(jobId))) return { state: 'gone' };
    const handle = this.client.workflow.getHandle(jobId);
    switch (description.status.name) {
      case 'RUNNING': {
        const progress = await queryJob<ImportProgress>(this.client, jobId, IMPORT_PROGRESS_QUERY);
        return { state: 'running', ...(progress ? { progress: withRunningFiles(progress, description) } : {}) };
      }
      case 'COMPLETED': {
        const { files } = (await handle.result()) as { files: ImportedFile[] };
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

  async cancel(tenant: string, jobId: string): Promise<boolean> {
    const description = await describeJob(this.client, tenant, jobId, IMPORT_WORKFLOW);
    if (!description || isGone(await this.records.find(jobId))) return false;
    if (description.status.name === 'RUNNING') {
      // Marked first, so polls answer 404 at once while the workflow is still stopping its activities.
      await this.records.cancelRequested(jobId, tenant);
      await this.client.workflow.getHandle(jobId).cancel();
      return true;
    }
    // A finished job's only objects are its error reports (a few files): removed here, then 404 from now on.
    await this.objects.deletePrefix(importPrefix(tenant, jobId));
    await this.records.purged(jobId, 'deleted');
    return true;
  }
}

interface JobMemo {
  tenant: string;
  request: string;
  transactionTime: string;
  baseUrl: string;
}

/** Adds what running file activities have done (their last checkpoint) to what finished files did. */
function withRunningFiles(progress: ImportProgress, description: WorkflowExecutionDescription): ImportProgress {
  const running = runningCheckpoints<ImportCheckpoint>(description);
  const sum = (field: 'offset' | 'count' | 'errors') => running.reduce((total, c) => total + (c?.[field] ?? 0), 0);
  return {
    ...progress,
    bytesDone: progress.bytesDone + sum('offset'),
    resources: progress.resources + sum('count'),
    errors: progress.errors + sum('errors'),
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
