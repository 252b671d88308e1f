import { runningCheckpoints } from '@fhir-bulk/api/src/temporal-job-base';
import type { Client } from '@temporalio/client';

/**
 * What the job's pending activities last heartbeated, as Temporal holds it and as status polls read it
 * (runningCheckpoints). Throws once the job has ended, so a test waiting for a checkpoint fails at once when the
 * job finished before the state it waits for.
 */
export async function heartbeatsOf<T>(client: Client, jobId: string): Promise<T[]> {
  const description = await client.workflow.getHandle(jobId).describe();
  if (description.status.name !== 'RUNNING')
    throw new Error(`job ${jobId} ended (${description.status.name}) too soon`);
  return runningCheckpoints<T>(description);
}
