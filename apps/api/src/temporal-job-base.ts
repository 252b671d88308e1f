import { SEARCH_ATTRIBUTES } from '@fhir-bulk/export';
import { isGone, type JobKind, type JobRecords, type RecordedJob } from '@fhir-bulk/jobs';
import { type ApiMetrics, type JobKindLabel, jobKindLabel } from '@fhir-bulk/metrics';
import type { Workflows } from '@fhir-bulk/workflow-contract';
import { type Client, type WorkflowExecutionDescription, WorkflowNotFoundError } from '@temporalio/client';
import {
  defaultPayloadConverter,
  defineSearchAttributeKey,
  type QueryDefinition,
  SearchAttributeType,
} from '@temporalio/common';

/** The search attributes jobs are started with, so operators can filter jobs in the Temporal UI. */
const SEARCH_KEYS = {
  kind: defineSearchAttributeKey(SEARCH_ATTRIBUTES.kind, SearchAttributeType.KEYWORD),
  tenant: defineSearchAttributeKey(SEARCH_ATTRIBUTES.tenant, SearchAttributeType.KEYWORD),
  types: defineSearchAttributeKey(SEARCH_ATTRIBUTES.types, SearchAttributeType.KEYWORD_LIST),
  format: defineSearchAttributeKey(SEARCH_ATTRIBUTES.format, SearchAttributeType.KEYWORD),
};

/** How long a status poll waits for a running job's progress; a live worker answers in milliseconds. */
const QUERY_DEADLINE_MS = 2_000;

/**
 * The job's workflow, if it is one of `workflowType` started for `tenant`: a job of another tenant is as absent
 * as one that never existed, so tenants never learn of each other's jobs.
 */
async function describeJob(
  client: Client,
  tenant: string,
  jobId: string,
  workflowType: string,
): Promise<WorkflowExecutionDescription | undefined> {
  try {
    const description = await client.workflow.getHandle(jobId).describe();
    return description.memo?.tenant === tenant && description.type === workflowType ? description : undefined;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Queries a running job. Queries need a live worker; without one the job is still running, just without details,
 * and Temporal would hold the query for its full RPC timeout (30 s): this gives up after QUERY_DEADLINE_MS.
 */
export function queryJob<T>(client: Client, jobId: string, query: QueryDefinition<T>): Promise<T | undefined> {
  const deadline = Date.now() + QUERY_DEADLINE_MS;
  return client.withDeadline(deadline, () => client.workflow.getHandle(jobId).query(query)).catch(() => undefined);
}

/** The last heartbeat of every running activity: what running partitions or files have done so far. */
export function runningCheckpoints<T>(description: WorkflowExecutionDescription): T[] {
  const checkpoints: T[] = [];
  for (const activity of description.raw.pendingActivities ?? []) {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (payload) checkpoints.push(defaultPayloadConverter.fromPayload<T>(payload));
  }
  return checkpoints;
}

/** What every job's workflow memo holds (startWorkflow), for status polls that need no worker. */
export interface JobMemo {
  tenant: string;
  /** The job's kind as metrics label it (a view export is an export workflow). */
  kind: JobKindLabel;
  request: string;
  transactionTime: string;
  baseUrl: string;
  /** The kick-off's X-Request-Id: one search of it in the UI or the logs finds the job. */
  requestId?: string;
}

/** What every job's workflow input carries: identity, place and request (NewJob, apps/api/src/async-jobs). */
interface JobInput {
  jobId: string;
  viewRequests?: unknown[];
  tenant: string;
  requestUrl: string;
  transactionTime: string;
  baseUrl: string;
  requestId?: string;
}

/** A job's workflow: it takes the job's input and returns its result. */
type JobWorkflow<I extends JobInput, R> = (input: I) => Promise<R>;

/** The type names the workflow contract gives workflows of signature `W`. */
type WorkflowTypeOf<W> = { [K in keyof Workflows]: Workflows[K] extends W ? K : never }[keyof Workflows];

/**
 * Jobs as Temporal workflows (workflowId = job id, so a job's whole history is one workflow in the UI) plus their
 * MongoDB records, which remember owners, cancellations, deletions and expiry after Temporal is done. Export and
 * import jobs start, record and cancel alike; they differ in what a finished job's DELETE removes. `I` and `R` are
 * the input and result of the job's workflow, whose type name the contract checks against them.
 */
export abstract class TemporalJobs<I extends JobInput, R> {
  constructor(
    protected readonly client: Client,
    protected readonly taskQueue: string,
    readonly records: JobRecords,
    private readonly workflowType: WorkflowTypeOf<JobWorkflow<I, R>>,
    private readonly kind: JobKind,
    private readonly metrics: Pick<ApiMetrics, 'jobStarted' | 'jobCancelled'>,
  ) {}

  /** The job's workflow, its result typed. */
  protected handle(jobId: string) {
    return this.client.workflow.getHandle<JobWorkflow<I, R>>(jobId);
  }

  /**
   * Starts the job's workflow, searchable by kind, tenant, types (and format) in the Temporal UI, with what status
   * polls need in its memo; then records it, so its owner can poll at once.
   */
  protected async startWorkflow(
    input: I,
    {
      record,
      timeoutMs,
      format,
      memo = {},
    }: { record: RecordedJob; timeoutMs: number; format?: string; memo?: object },
  ): Promise<void> {
    const kind = jobKindLabel(this.kind, input);
    await this.client.workflow.start<JobWorkflow<I, R>>(this.workflowType, {
      taskQueue: this.taskQueue,
      workflowId: input.jobId,
      args: [input],
      workflowExecutionTimeout: timeoutMs,
      typedSearchAttributes: [
        { key: SEARCH_KEYS.kind, value: this.kind },
        { key: SEARCH_KEYS.tenant, value: input.tenant },
        { key: SEARCH_KEYS.types, value: searchableTypes(record.types) },
        ...(format === undefined ? [] : [{ key: SEARCH_KEYS.format, value: format }]),
      ],
      memo: {
        tenant: input.tenant,
        kind,
        request: input.requestUrl,
        transactionTime: input.transactionTime,
        baseUrl: input.baseUrl,
        ...(input.requestId === undefined ? {} : { requestId: input.requestId }),
        ...memo,
      },
    });
    // Recorded now, not only when the worker plans it: its owner must answer the client's very first poll.
    await this.records.started(record, new Date(input.transactionTime));
    this.metrics.jobStarted(kind, input.tenant);
  }

  /** The job's workflow if it is one of this kind in `tenant` (see describeJob). */
  protected describe(tenant: string, jobId: string): Promise<WorkflowExecutionDescription | undefined> {
    return describeJob(this.client, tenant, jobId, this.workflowType);
  }

  /**
   * Cancels a running job, or removes a finished one's files (`removeFinished`) and marks it deleted; false when
   * there is no such job (any more). A running job is marked first, so polls answer 404 at once while its
   * activities are stopping.
   */
  async cancel(tenant: string, jobId: string): Promise<boolean> {
    const description = await this.describe(tenant, jobId);
    if (!description || isGone(await this.records.find(jobId))) return false;
    if (description.status.name !== 'RUNNING') {
      if (!(await this.removeFinished(tenant, jobId, description))) return false;
      await this.records.purged(jobId, 'deleted');
      return true;
    }
    await this.records.cancelRequested(jobId, tenant);
    await this.client.workflow.getHandle(jobId).cancel();
    // Jobs started before the memo held their kind are counted as their workflow's kind.
    this.metrics.jobCancelled((description.memo as Partial<JobMemo> | undefined)?.kind ?? this.kind, tenant);
    return true;
  }

  /** Removes a finished job's objects; false when this kind of job cannot be removed in its state. */
  protected abstract removeFinished(
    tenant: string,
    jobId: string,
    description: WorkflowExecutionDescription,
  ): Promise<boolean>;
}

/**
 * Temporal caps a search attribute at 2 KB; an export of every type (146 names) would not fit, so it is listed
 * as `*`, which operators can filter on just the same.
 */
function searchableTypes(types: string[]): string[] {
  return types.join(',').length > 1_500 ? ['*'] : types;
}
