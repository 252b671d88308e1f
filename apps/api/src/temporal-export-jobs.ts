import {
  buildManifest,
  EXPORT_FILES_QUERY,
  EXPORT_PROGRESS_QUERY,
  EXPORT_WORKFLOW,
  type ExportedFile,
  type ExportJobInput,
  type JobRecords,
  type ExportProgress,
  type PartitionCheckpoint,
  PURGE_EXPORT_WORKFLOW,
  SEARCH_ATTRIBUTES,
} from '@fhir-bulk/export';
import { tooManyRequests } from '@fhir-bulk/fhir';
import {
  type Client,
  type WorkflowExecutionDescription,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import type { ExportJobs, ExportJobStatus } from './export-jobs';
import { failureOf } from './export-failure';
import { describeJob, isGone, queryJob, runningCheckpoints, SEARCH_KEYS } from './temporal-jobs';

export interface ExportLimits {
  maxConcurrentPerTenant: number;
  /** A job still running after this long fails with TIMEOUT; the retention schedule then deletes its files. */
  timeoutMs: number;
  /** Seconds a client is told to wait before retrying a refused kick-off. */
  retryAfterSeconds: number;
}

/**
 * Export jobs as Temporal workflows (workflowId = job id, so a job's whole history is one workflow in the UI) plus
 * their MongoDB job records, which remember cancellations, deletions and expiry after Temporal is done.
 */
export class TemporalExportJobs implements ExportJobs {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    readonly records: JobRecords,
    private readonly limits: ExportLimits,
  ) {}

  async start(input: ExportJobInput): Promise<void> {
    // Visibility is eventually consistent, so two kick-offs in the same instant may both pass: a soft cap. Counted
    // per task queue: deployments sharing a Temporal namespace keep their own limits.
    const { count } = await this.client.workflow.count(
      `${SEARCH_ATTRIBUTES.kind}="export" AND ${SEARCH_ATTRIBUTES.tenant}="${input.tenant}" AND ` +
        `TaskQueue="${this.taskQueue}" AND ExecutionStatus="Running"`,
    );
    if (count >= this.limits.maxConcurrentPerTenant) {
      throw tooManyRequests(
        `Tenant ${input.tenant} already runs ${count} exports (the limit is ${this.limits.maxConcurrentPerTenant}); retry later`,
        this.limits.retryAfterSeconds,
      );
    }
    await this.client.workflow.start(EXPORT_WORKFLOW, {
      taskQueue: this.taskQueue,
      workflowId: input.jobId,
      args: [input],
      workflowExecutionTimeout: this.limits.timeoutMs,
      typedSearchAttributes: [
        { key: SEARCH_KEYS.kind, value: 'export' },
        { key: SEARCH_KEYS.tenant, value: input.tenant },
        { key: SEARCH_KEYS.types, value: searchableTypes(input.types) },
        { key: SEARCH_KEYS.format, value: input.outputFormat },
      ],
      // What the status route needs without asking the worker: partial manifests are built from it.
      memo: {
        tenant: input.tenant,
        request: input.requestUrl,
        transactionTime: input.transactionTime,
        baseUrl: input.baseUrl,
        allowPartialManifests: input.allowPartialManifests,
      },
    });
    // Recorded now, not only when the worker plans it: its owner must answer the client's very first poll.
    await this.records.started(input, new Date(input.transactionTime));
  }

  async status(tenant: string, jobId: string): Promise<ExportJobStatus> {
    const description = await describeJob(this.client, tenant, jobId, EXPORT_WORKFLOW);
    if (!description) return { state: 'gone' };
    const record = await this.records.find(jobId);
    if (isGone(record)) return { state: 'gone' };
    const handle = this.client.workflow.getHandle(jobId);
    const memo = description.memo as unknown as JobMemo;
    switch (description.status.name) {
      case 'RUNNING': {
        const [progress, files = []] = await Promise.all([
          queryJob<ExportProgress>(this.client, jobId, EXPORT_PROGRESS_QUERY),
          memo.allowPartialManifests ? queryJob<ExportedFile[]>(this.client, jobId, EXPORT_FILES_QUERY) : [],
        ]);
        const partial = buildManifest({ jobId, ...memo, requestUrl: memo.request, requiresAccessToken: true }, files);
        return {
          state: 'running',
          ...(progress ? { progress: withRunningPartitions(progress, description) } : {}),
          ...(memo.allowPartialManifests ? { partial } : {}),
        };
      }
      case 'COMPLETED': {
        const summary = (await handle.result()) as { manifestKey: string };
        const closed = description.closeTime ?? new Date();
        const paged = memo.allowPartialManifests === true;
        return { state: 'completed', manifestKey: summary.manifestKey, expiresAt: record?.expiresAt ?? closed, paged };
      }
      case 'CANCELLED':
        return { state: 'gone' };
      default:
        return { state: 'failed', ...(await failureOf(handle, description.status.name)) };
    }
  }

  async cancel(tenant: string, jobId: string): Promise<boolean> {
    const description = await describeJob(this.client, tenant, jobId, EXPORT_WORKFLOW);
    const record = await this.records.find(jobId);
    if (!description || isGone(record)) return false;
    if (description.status.name === 'RUNNING') {
      // Marked first, so polls answer 404 at once while the workflow is still stopping its activities.
      await this.records.cancelRequested(jobId, tenant);
      await this.client.workflow.getHandle(jobId).cancel();
      return true;
    }
    if (description.status.name !== 'COMPLETED') return false;
    await this.client.workflow
      .start(PURGE_EXPORT_WORKFLOW, {
        taskQueue: this.taskQueue,
        workflowId: `${jobId}/purge`,
        args: [{ tenant, jobId }],
      })
      .catch((error: unknown) => {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      });
    await this.records.purged(jobId, 'deleted');
    return true;
  }
}

/**
 * Temporal caps a search attribute at 2 KB; an export of every type (146 names) would not fit, so it is listed
 * as `*`, which operators can filter on just the same.
 */
function searchableTypes(types: string[]): string[] {
  return types.join(',').length > 1_500 ? ['*'] : types;
}

interface JobMemo {
  tenant: string;
  request: string;
  transactionTime: string;
  baseUrl: string;
  allowPartialManifests: boolean;
}

/** Adds what running partitions have written (their last heartbeat) to what finished partitions wrote. */
function withRunningPartitions(progress: ExportProgress, description: WorkflowExecutionDescription): ExportProgress {
  const running = runningCheckpoints<PartitionCheckpoint>(description).reduce((sum, c) => sum + (c?.written ?? 0), 0);
  return { ...progress, done: progress.done + running };
}
