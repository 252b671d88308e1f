import { jobPrefix } from '@fhir-bulk/export';
import { EXPORT_JOBS_COLLECTION } from '@fhir-bulk/jobs';
import type { OperationOutcome } from '@fhir-bulk/fhir';
import { bulkLoad } from '@fhir-bulk/store';
import { importKickoffBody, importPrefix } from '@fhir-bulk/import';
import {
  type BulkStack,
  eventsOfJob,
  importFile,
  pollUntilDone,
  putInput,
  startBulkStack,
  startImport,
  storedAuditEvents,
  subtypeAndOutcome,
  waitFor,
} from '@fhir-bulk/test-support';
import { ensureRetentionSchedule, RETENTION_WORKFLOW } from '@fhir-bulk/worker/src/retention-schedule';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { type GatedWorker, startGatedWorker } from './gated-worker';

/**
 * What is left of a job once it is over: a cancelled, deleted, failed or expired job leaves no files in S3, answers
 * 404 (or its failure), and its record in MongoDB says how it ended. Retention is zero here, so every completed job
 * is expired as soon as the retention workflow runs.
 */
let stack: BulkStack;
let gated: GatedWorker;
beforeAll(async () => {
  stack = await startBulkStack({
    // A short heartbeat timeout: the SDK heartbeats at most every 0.8 × of it, and a cancellation arrives with one.
    env: { JOB_RETENTION_HOURS: '0', EXPORT_MAX_RESOURCES: '5', EXPORT_HEARTBEAT_TIMEOUT_SECONDS: '2' },
    inProcessWorker: false,
  });
  gated = await startGatedWorker(stack);
});
afterAll(async () => {
  await gated?.stop();
  await stack?.stop();
});

const patients = (n: number) => Array.from({ length: n }, (_, i) => ({ resourceType: 'Patient', id: `p${i}` }));

async function kickoff(tenant: string, types = 'Patient'): Promise<{ statusUrl: string; jobId: string }> {
  const response = await stack.fetch(`${stack.baseUrl}/tenant/${tenant}/$export?_type=${types}`, {
    headers: { Prefer: 'respond-async' },
  });
  expect(response.status).toBe(202);
  const statusUrl = response.headers.get('content-location')!;
  return { statusUrl, jobId: statusUrl.split('/').pop()! };
}

/** A completed job whose files are in S3. */
async function completed(tenant: string) {
  await bulkLoad(stack.store, tenant, patients(2));
  const job = await kickoff(tenant);
  expect((await pollUntilDone(job.statusUrl, stack.fetch)).status).toBe(200);
  expect(await stack.objects.list(jobPrefix(tenant, job.jobId))).toHaveLength(2); // Patient file + manifest
  return job;
}

const jobRecord = (jobId: string) => stack.store.db.collection(EXPORT_JOBS_COLLECTION).findOne({ _id: jobId as never });
/** The job's AuditEvents as `subtype:outcome`, oldest first. */
const auditTrail = async (tenant: string, jobId: string) =>
  eventsOfJob(await storedAuditEvents(stack, tenant), jobId).map(subtypeAndOutcome);

async function expectNotFound(response: Response) {
  expect(response.status).toBe(404);
  expect(((await response.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
}

const remove = (statusUrl: string) => stack.fetch(statusUrl, { method: 'DELETE' });

describe('DELETE of a running job', () => {
  it('answers 202, stops the workflow, deletes the files it had written, and polls answer 404', async () => {
    await bulkLoad(stack.store, 'cancel', [
      ...patients(3),
      { resourceType: 'Observation', id: 'o1', status: 'final', code: {} },
    ]);
    gated.hold('cancel/Observation');
    const { statusUrl, jobId } = await kickoff('cancel', 'Patient,Observation');
    // The Patient file is written while Observation is held: there is something to delete.
    await waitFor(
      async () => (await stack.objects.list(jobPrefix('cancel', jobId))).some((key) => key.includes('Patient')),
      30_000,
      'the Patient file in S3',
    );

    const cancelled = await remove(statusUrl);
    expect(cancelled.status).toBe(202);
    expect(((await cancelled.json()) as OperationOutcome).issue[0]?.severity).toBe('information');
    await expectNotFound(await stack.fetch(statusUrl));

    const error = await stack.client.workflow
      .getHandle(jobId)
      .result()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await stack.client.workflow.getHandle(jobId).describe()).status.name).toBe('CANCELLED');
    expect(await stack.objects.list(jobPrefix('cancel', jobId))).toEqual([]);
    expect(await jobRecord(jobId)).toMatchObject({ status: 'cancelled', endTime: expect.any(Date) });
    // The DELETE is the cancel's one event; the workflow's cleanup adds none.
    expect(await auditTrail('cancel', jobId)).toEqual(['export-kickoff:0', 'export-cancel:0']);
    await expectNotFound(await stack.fetch(statusUrl));
    await expectNotFound(await remove(statusUrl));
  });
});

describe('DELETE right after the kick-off', () => {
  it('answers 202, then 404 to polls and to a second DELETE; the workflow ends cancelled with no files', async () => {
    await bulkLoad(stack.store, 'cancel-early', patients(3));
    const { statusUrl, jobId } = await kickoff('cancel-early');
    // No wait: the workflow may not have planned yet (IG: the server SHALL respond 202 to a cancel it accepts).
    expect((await remove(statusUrl)).status).toBe(202);
    await expectNotFound(await stack.fetch(statusUrl));
    await expectNotFound(await remove(statusUrl));
    await stack.client.workflow
      .getHandle(jobId)
      .result()
      .catch(() => undefined);
    expect((await stack.client.workflow.getHandle(jobId).describe()).status.name).toBe('CANCELLED');
    expect(await stack.objects.list(jobPrefix('cancel-early', jobId))).toEqual([]);
    expect(await jobRecord(jobId)).toMatchObject({ status: 'cancelled' });
  });
});

describe('DELETE of a completed job', () => {
  it('answers 202, purges its files, and polls answer 404', async () => {
    const { statusUrl, jobId } = await completed('delete');
    const deleted = await remove(statusUrl);
    expect(deleted.status).toBe(202);
    await expectNotFound(await stack.fetch(statusUrl));
    await stack.client.workflow.getHandle(`${jobId}/purge`).result();
    expect(await stack.objects.list(jobPrefix('delete', jobId))).toEqual([]);
    expect(await jobRecord(jobId)).toMatchObject({ status: 'deleted' });
    expect((await stack.fetch(`${statusUrl}/files/Patient-0-0.ndjson`)).status).toBe(404);
    await expectNotFound(await remove(statusUrl));
  });

  it('answers 404 for an unknown job, a malformed id and another tenant’s job, which keeps its files', async () => {
    await expectNotFound(await remove(`${stack.baseUrl}/_export/00000000-0000-0000-0000-000000000000`));
    await expectNotFound(await remove(`${stack.baseUrl}/_export/not-a-job`));
    const { jobId } = await completed('owner');
    await expectNotFound(await remove(`${stack.baseUrl}/tenant/intruder/_export/${jobId}`));
    expect(await stack.objects.list(jobPrefix('owner', jobId))).toHaveLength(2);
    expect(await jobRecord(jobId)).toMatchObject({ status: 'completed' });
  });
});

describe('a failed job', () => {
  it('answers 413 with EXCEEDED_SIZE_LIMIT when the export is larger than allowed, and leaves no files', async () => {
    await bulkLoad(stack.store, 'big', patients(10));
    const { statusUrl, jobId } = await kickoff('big');
    const failed = await pollUntilDone(statusUrl, stack.fetch);
    expect(failed.status).toBe(413);
    const body = (await failed.json()) as OperationOutcome;
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]?.severity).toBe('error');
    expect(body.issue[0]?.diagnostics).toContain('EXCEEDED_SIZE_LIMIT');
    expect(await stack.objects.list(jobPrefix('big', jobId))).toEqual([]);
    expect(await jobRecord(jobId)).toMatchObject({ status: 'failed', error: expect.stringContaining('at most 5') });
    const events = eventsOfJob(await storedAuditEvents(stack, 'big'), jobId);
    expect(events.map(subtypeAndOutcome)).toEqual(['export-kickoff:0', 'export-failed:8']);
    expect(events[1]!.outcomeDesc).toContain('at most 5');
  });
});

describe('retention', () => {
  it('purges a completed job once its retention is over: files gone, polls 404, record expired', async () => {
    const { statusUrl, jobId } = await completed('expire');
    const done = await stack.fetch(statusUrl);
    const record = await jobRecord(jobId);
    // Retention 0: the job expires when it ends.
    expect(record!.expiresAt.getTime()).toBe(record!.endTime.getTime());
    expect(Math.abs(Date.parse(done.headers.get('expires')!) - record!.endTime.getTime())).toBeLessThan(1_000);

    const purged = await stack.client.workflow.execute(RETENTION_WORKFLOW, {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      workflowId: `retention-${jobId}`,
      args: [],
    });
    expect(purged).toBeGreaterThanOrEqual(1);
    expect(await stack.objects.list(jobPrefix('expire', jobId))).toEqual([]);
    await expectNotFound(await stack.fetch(statusUrl));
    expect(await jobRecord(jobId)).toMatchObject({ status: 'expired' });
    await expectNotFound(await remove(statusUrl));
  });

  it('deletes an import’s error files once its retention is over; the imported resources stay', async () => {
    const url = await putInput(stack.inputs, 'expire-import/p.ndjson', importFile('Patient', 20).text);
    const tenant = 'expire-import';
    const { statusUrl, jobId } = await startImport(
      `${stack.baseUrl}/tenant/${tenant}`,
      stack.fetch,
      importKickoffBody([{ type: 'Patient', url }]),
    );
    expect((await pollUntilDone(statusUrl, stack.fetch)).status).toBe(200);
    expect(await stack.objects.list(importPrefix(tenant, jobId))).toEqual([
      `${importPrefix(tenant, jobId)}errors-0.ndjson`,
    ]);

    const purged = await stack.client.workflow.execute(RETENTION_WORKFLOW, {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      workflowId: `retention-${jobId}`,
      args: [],
    });
    expect(purged).toBeGreaterThanOrEqual(1);
    expect(await stack.objects.list(importPrefix(tenant, jobId))).toEqual([]);
    await expectNotFound(await stack.fetch(statusUrl));
    expect(await stack.store.db.collection('import_jobs').findOne({ _id: jobId as never })).toMatchObject({
      status: 'expired',
    });
    expect(await stack.store.collection(tenant, 'Patient').countDocuments({ tenant })).toBe(18);
  });

  it('is scheduled in Temporal by the worker, once per task queue', async () => {
    const taskQueue = stack.config.TEMPORAL_TASK_QUEUE;
    await ensureRetentionSchedule(stack.client, taskQueue);
    const handle = stack.client.schedule.getHandle(`export-retention-${taskQueue}`);
    try {
      await ensureRetentionSchedule(stack.client, taskQueue); // a second worker finds it there
      const schedule = await handle.describe();
      expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: RETENTION_WORKFLOW, taskQueue });
      expect(schedule.spec.intervals).toEqual([expect.objectContaining({ every: 15 * 60_000 })]);
    } finally {
      await handle.delete();
    }
  });
});
