import { type JobRecord, SEARCH_ATTRIBUTES } from '@fhir-bulk/export';
import { type Client, type WorkflowExecutionDescription, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The search attributes jobs are started with, so operators can filter jobs in the Temporal UI. */
export const SEARCH_KEYS = {
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
export async function describeJob(
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
export function queryJob<T>(client: Client, jobId: string, query: string): Promise<T | undefined> {
  const deadline = Date.now() + QUERY_DEADLINE_MS;
  return client.withDeadline(deadline, () => client.workflow.getHandle(jobId).query<T>(query)).catch(() => undefined);
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

/** A job its client cancelled or deleted, or retention expired: it answers 404 whatever Temporal still holds. */
export const isGone = (record: JobRecord | null) =>
  record !== null && ['cancelled', 'deleted', 'expired'].includes(record.status);
