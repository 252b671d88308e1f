import {
  buildManifest,
  type ExportJobInput,
  type ExportProgress,
  type PartitionCheckpoint,
  runningProgress,
  SEARCH_ATTRIBUTES,
} from '@fhir-bulk/export';
import { isGone, type JobRecords } from '@fhir-bulk/jobs';
import type { ApiMetrics } from '@fhir-bulk/metrics';
import {
  EXPORT_WORKFLOW,
  exportFilesQuery,
  exportProgressQuery,
  type ExportSummary,
  PURGE_EXPORT_WORKFLOW,
  type PurgeExportWorkflow,
} from '@fhir-bulk/workflow-contract';
import {
  type Client,
  type WorkflowExecutionDescription,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import { tooManyExports } from './async-jobs/job-outcomes';
import type { ExportJobs, ExportJobStatus } from './job-interfaces';
import { failureOf } from './export-failure';
import { type JobMemo, queryJob, runningCheckpoints, TemporalJobs } from './temporal-job-base';

export interface ExportLimits {
  maxConcurrentPerTenant: number;
  /** A job still running after this long fails with TIMEOUT; the retention schedule then deletes its files. */
  timeoutMs: number;
  /** Seconds a client is told to wait before retrying a refused kick-off. */
  retryAfterSeconds: number;
}

/** Export jobs (and view exports) as Temporal workflows plus their job records (see TemporalJobs). */
export class TemporalExportJobs extends TemporalJobs<ExportJobInput, ExportSummary> implements ExportJobs {
  constructor(
    client: Client,
    taskQueue: string,
    records: JobRecords,
    private readonly limits: ExportLimits,
    metrics: ApiMetrics,
  ) {
    super(client, taskQueue, records, EXPORT_WORKFLOW, 'export', metrics);
  }

  async start(input: ExportJobInput): Promise<void> {
    // Visibility is eventually consistent, so two kick-offs in the same instant may both pass: a soft cap. Counted
    // per task queue: deployments sharing a Temporal namespace keep their own limits.
    const { count } = await this.client.workflow.count(
      `${SEARCH_ATTRIBUTES.kind}="export" AND ${SEARCH_ATTRIBUTES.tenant}="${input.tenant}" AND ` +
        `TaskQueue="${this.taskQueue}" AND ExecutionStatus="Running"`,
    );
    if (count >= this.limits.maxConcurrentPerTenant) {
      throw tooManyExports(input.tenant, count, this.limits.maxConcurrentPerTenant, this.limits.retryAfterSeconds);
    }
    await this.startWorkflow(input, {
      record: input,
      timeoutMs: this.limits.timeoutMs,
      format: input.outputFormat,
      // What the status route needs without asking the worker: partial manifests are built from it.
      memo: {
        allowPartialManifests: input.allowPartialManifests,
        ...(input.organizeOutputBy ? { organizeOutputBy: input.organizeOutputBy } : {}),
      },
    });
  }

  async status(tenant: string, jobId: string): Promise<ExportJobStatus> {
    const description = await this.describe(tenant, jobId);
    if (!description) return { state: 'gone' };
    const record = await this.records.find(jobId);
    if (isGone(record)) return { state: 'gone' };
    const handle = this.handle(jobId);
    const memo = description.memo as unknown as ExportMemo;
    switch (description.status.name) {
      case 'RUNNING': {
        const [progress, files = []] = await Promise.all([
          queryJob(this.client, jobId, exportProgressQuery),
          memo.allowPartialManifests ? queryJob(this.client, jobId, exportFilesQuery) : [],
        ]);
        // memo.allowPartialManifests keeps the files in the order the workflow recorded them, as the final manifest.
        const partial = buildManifest({ jobId, ...memo, requestUrl: memo.request, requiresAccessToken: true }, files);
        return {
          state: 'running',
          ...(progress ? { progress: await this.progressSoFar(jobId, progress, description) } : {}),
          ...(memo.allowPartialManifests ? { partial } : {}),
        };
      }
      case 'COMPLETED': {
        const summary = await handle.result();
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

  /** What finished and running partitions have written, per type, never less than an earlier poll answered. */
  private async progressSoFar(jobId: string, progress: ExportProgress, description: WorkflowExecutionDescription) {
    const now = runningProgress(progress, runningCheckpoints<PartitionCheckpoint | undefined>(description));
    return { ...now, byType: await this.records.progressAtLeast(jobId, now.byType) };
  }

  /** A completed job's files are deleted by a purge workflow; from now on it answers 404. */
  protected async removeFinished(tenant: string, jobId: string, description: WorkflowExecutionDescription) {
    if (description.status.name !== 'COMPLETED') return false;
    await this.client.workflow
      .start<PurgeExportWorkflow>(PURGE_EXPORT_WORKFLOW, {
        taskQueue: this.taskQueue,
        workflowId: `${jobId}/purge`,
        args: [{ tenant, jobId }],
      })
      .catch((error: unknown) => {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      });
    return true;
  }
}

interface ExportMemo extends JobMemo {
  allowPartialManifests: boolean;
  organizeOutputBy?: 'Patient';
}
