import { jobPrefix } from '@fhir-bulk/export';
import { IMPORT_CHECKPOINTS_COLLECTION, importKickoffBody, importPrefix } from '@fhir-bulk/import';
import {
  EXPORT_JOBS_COLLECTION,
  IMPORT_JOBS_COLLECTION,
  JobRecords,
  PATIENT_SETS_COLLECTION,
  POLL_PROGRESS_COLLECTION,
} from '@fhir-bulk/jobs';
import { sampleView } from '@fhir-bulk/sample-data';
import { bulkLoad } from '@fhir-bulk/store';
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
import { RETENTION_WORKFLOW } from '@fhir-bulk/worker/src/retention-schedule';
import { randomUUID } from 'node:crypto';
import { type GatedWorker, startGatedWorker } from './gated-worker';

/**
 * Everything a job leaves, and the retention schedule's run that removes it: outputs and error files once
 * JOB_RETENTION_HOURS (1 here) have passed since the job completed, then the job's record with whatever of the job
 * is still stored once JOB_RECORD_RETENTION_DAYS (1) have passed since it started. Hours cannot pass in a test:
 * a job is aged by moving its record's instants back, which is all the retention run reads of time. Objects are
 * looked for in S3 and documents in MongoDB; what must stay (younger jobs, imported resources, audit events) is
 * checked to stay.
 */
let stack: BulkStack;
let gated: GatedWorker;
beforeAll(async () => {
  stack = await startBulkStack({
    env: { JOB_RETENTION_HOURS: '1', JOB_RECORD_RETENTION_DAYS: '1', EXPORT_MAX_RESOURCES: '20' },
    inProcessWorker: false,
  });
  gated = await startGatedWorker(stack);
});
afterAll(async () => {
  await gated?.stop();
  await stack?.stop();
});

const HOUR = 3_600_000;
const db = () => stack.store.db;
const exportRecord = (jobId: string) =>
  db()
    .collection(EXPORT_JOBS_COLLECTION)
    .findOne({ _id: jobId as never });
const patientSetChunks = (jobId: string) => db().collection(PATIENT_SETS_COLLECTION).countDocuments({ jobId });

/** As if the job had started (and ended, and expired) `hours` earlier than it did. */
async function age(collection: string, jobId: string, hours: number) {
  const records = db().collection<Record<string, unknown>>(collection);
  const record = (await records.findOne({ _id: jobId as never }))!;
  const earlier = Object.fromEntries(
    ['startTime', 'endTime', 'expiresAt']
      .filter((field) => record[field] instanceof Date)
      .map((field) => [field, new Date((record[field] as Date).getTime() - hours * HOUR)]),
  );
  await records.updateOne({ _id: jobId as never }, { $set: earlier });
}

/** One run of what the retention schedule starts every 15 minutes; returns how many jobs it purged or removed. */
const runRetention = () =>
  stack.client.workflow.execute(RETENTION_WORKFLOW, {
    taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    workflowId: `retention-${randomUUID()}`,
    args: [],
  });

const group = (id: string, members: string[]) => ({
  resourceType: 'Group',
  id,
  type: 'person',
  actual: true,
  member: members.map((member) => ({ entity: { reference: `Patient/${member}` } })),
});

/** A tenant of `n` patients, all members of Group `all`. */
async function tenantWith(tenant: string, n: number) {
  const ids = Array.from({ length: n }, (_, i) => `p${i}`);
  await bulkLoad(stack.store, tenant, [...ids.map((id) => ({ resourceType: 'Patient', id })), group('all', ids)]);
}

async function kickoff(tenant: string, path: string, prefer = 'respond-async') {
  const response = await stack.fetch(`${stack.baseUrl}/tenant/${tenant}${path}`, { headers: { Prefer: prefer } });
  expect(response.status).toBe(202);
  const statusUrl = response.headers.get('content-location')!;
  return { statusUrl, jobId: statusUrl.split('/').pop()! };
}

/** A completed Group export of `tenant` (a patient set, a Patient file, a Group file, the manifest). */
async function completedGroupExport(tenant: string) {
  await tenantWith(tenant, 3);
  const job = await kickoff(tenant, '/Group/all/$export?_type=Patient,Group');
  expect((await pollUntilDone(job.statusUrl, stack.fetch)).status).toBe(200);
  expect(await stack.objects.list(jobPrefix(tenant, job.jobId))).toHaveLength(3);
  return job;
}

describe('export outputs', () => {
  it('go JOB_RETENTION_HOURS after completion; the record stays, expired, and a younger job keeps its files', async () => {
    const young = await completedGroupExport('outputs-young');
    const old = await completedGroupExport('outputs-old');
    await age(EXPORT_JOBS_COLLECTION, old.jobId, 2);

    expect(await runRetention()).toBeGreaterThanOrEqual(1);
    expect(await stack.objects.list(jobPrefix('outputs-old', old.jobId))).toEqual([]);
    expect(await exportRecord(old.jobId)).toMatchObject({ status: 'expired' });
    expect((await stack.fetch(old.statusUrl)).status).toBe(404);

    expect(await stack.objects.list(jobPrefix('outputs-young', young.jobId))).toHaveLength(3);
    expect(await exportRecord(young.jobId)).toMatchObject({ status: 'completed' });
    expect((await stack.fetch(young.statusUrl)).status).toBe(200);
  });

  it('of a view export ($viewdefinition-export) go the same way', async () => {
    await tenantWith('view-old', 3);
    const response = await stack.fetch(`${stack.baseUrl}/tenant/view-old/ViewDefinition/$viewdefinition-export`, {
      method: 'POST',
      headers: { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [{ name: 'view', part: [{ name: 'viewResource', resource: sampleView('patient-demographics') }] }],
      }),
    });
    expect(response.status).toBe(202);
    const statusUrl = response.headers.get('content-location')!;
    const jobId = statusUrl.split('/').pop()!;
    expect((await pollUntilDone(statusUrl, stack.fetch)).status).toBe(200);
    expect(await stack.objects.list(jobPrefix('view-old', jobId))).not.toEqual([]);
    await age(EXPORT_JOBS_COLLECTION, jobId, 2);

    await runRetention();
    expect(await stack.objects.list(jobPrefix('view-old', jobId))).toEqual([]);
    expect(await exportRecord(jobId)).toMatchObject({ status: 'expired' });
    expect((await stack.fetch(statusUrl)).status).toBe(404);
  });
});

describe('import error files', () => {
  it('go JOB_RETENTION_HOURS after completion, the record JOB_RECORD_RETENTION_DAYS after the start; the resources stay', async () => {
    const tenant = 'import-old';
    const url = await putInput(stack.inputs, `${tenant}/p.ndjson`, importFile('Patient', 20).text);
    const { statusUrl, jobId } = await startImport(
      `${stack.baseUrl}/tenant/${tenant}`,
      stack.fetch,
      importKickoffBody([{ type: 'Patient', url }]),
    );
    expect((await pollUntilDone(statusUrl, stack.fetch)).status).toBe(200);
    expect(await stack.objects.list(importPrefix(tenant, jobId))).toEqual([
      `${importPrefix(tenant, jobId)}errors-0.ndjson`,
    ]);
    const importRecord = () =>
      db()
        .collection(IMPORT_JOBS_COLLECTION)
        .findOne({ _id: jobId as never });
    // Its files' checkpoints go as it finishes: it will never resume.
    expect(await db().collection(IMPORT_CHECKPOINTS_COLLECTION).countDocuments({ jobId })).toBe(0);

    await age(IMPORT_JOBS_COLLECTION, jobId, 2);
    await runRetention();
    expect(await stack.objects.list(importPrefix(tenant, jobId))).toEqual([]);
    expect(await importRecord()).toMatchObject({ status: 'expired' });

    await age(IMPORT_JOBS_COLLECTION, jobId, 24);
    await runRetention();
    expect(await importRecord()).toBeNull();
    expect((await stack.fetch(statusUrl)).status).toBe(404);
    expect(await stack.store.collection(tenant, 'Patient').countDocuments({ tenant })).toBe(18);
  });
});

describe('job records', () => {
  it('go JOB_RECORD_RETENTION_DAYS after the start with their poll progress; the audit events and a younger record stay', async () => {
    const old = await completedGroupExport('records-old');
    const young = await completedGroupExport('records-young');
    // What a status poll of a running job writes (the API's own call).
    await new JobRecords(db(), 'export').progressAtLeast(old.jobId, { Patient: 3 });
    await age(EXPORT_JOBS_COLLECTION, old.jobId, 25);
    await age(EXPORT_JOBS_COLLECTION, young.jobId, 2);

    await runRetention();
    expect(await exportRecord(old.jobId)).toBeNull();
    expect(
      await db()
        .collection(POLL_PROGRESS_COLLECTION)
        .findOne({ _id: old.jobId as never }),
    ).toBeNull();
    expect(await stack.objects.list(jobPrefix('records-old', old.jobId))).toEqual([]);
    // The audit trail outlives the record: who exported what, and how many, stays.
    const trail = eventsOfJob(await storedAuditEvents(stack, 'records-old'), old.jobId).map(subtypeAndOutcome);
    expect(trail).toEqual(['export-kickoff:0', 'export-complete:0']);
    expect((await stack.fetch(old.statusUrl)).status).toBe(404);
    expect((await stack.fetch(old.statusUrl, { method: 'DELETE' })).status).toBe(404);

    expect(await exportRecord(young.jobId)).toMatchObject({ status: 'expired' });
  });
});

describe('patient sets', () => {
  it('go when the export completes', async () => {
    const { jobId } = await completedGroupExport('sets-completed');
    expect(await patientSetChunks(jobId)).toBe(0);
  });

  it('go when the export fails after its plan saved one', async () => {
    await tenantWith('sets-failed', 25); // over EXPORT_MAX_RESOURCES, which the plan checks after saving the set
    const { statusUrl, jobId } = await kickoff('sets-failed', '/Group/all/$export?_type=Patient');
    expect((await pollUntilDone(statusUrl, stack.fetch)).status).toBe(413);
    expect(await exportRecord(jobId)).toMatchObject({ status: 'failed' });
    expect(await patientSetChunks(jobId)).toBe(0);
  });
});

describe('an export Temporal ended without its cleanup step', () => {
  /** A Group export held at its Patient partition, after its plan saved the set and wrote the lenient error file. */
  async function heldExport(tenant: string) {
    await tenantWith(tenant, 3);
    gated.hold(`${tenant}/Patient`);
    const job = await kickoff(tenant, '/Group/all/$export?_type=Patient&_unknown=1', 'respond-async, handling=lenient');
    await waitFor(async () => (await patientSetChunks(job.jobId)) > 0, 30_000, 'the saved patient set');
    await waitFor(async () => (await stack.objects.list(jobPrefix(tenant, job.jobId))).length > 0, 30_000, 'a file');
    return job;
  }

  it('loses its files, patient set and then its record once abandoned (terminated by an operator)', async () => {
    const { jobId } = await heldExport('terminated');
    await stack.client.workflow.getHandle(jobId).terminate('operator');
    gated.release('terminated/Patient');
    // The step runs on until it learns of the terminate; what it wrote by then is the job's to clean up too.
    await gated.idle('terminated/Patient');
    expect(await exportRecord(jobId)).toMatchObject({ status: 'running' });
    // Past JOB_TIMEOUT_HOURS + JOB_RETENTION_HOURS since its start: abandoned; and past JOB_RECORD_RETENTION_DAYS.
    await age(EXPORT_JOBS_COLLECTION, jobId, 26);

    await runRetention();
    expect(await stack.objects.list(jobPrefix('terminated', jobId))).toEqual([]);
    expect(await patientSetChunks(jobId)).toBe(0);
    expect(await exportRecord(jobId)).toBeNull();
  });

  it('loses what it left when its cancel never reached it, with its record', async () => {
    const { jobId } = await heldExport('cancel-cut');
    // The API marks the record first, then cancels the workflow; here an operator terminated it in between.
    await new JobRecords(db(), 'export').cancelRequested(jobId, 'cancel-cut');
    await stack.client.workflow.getHandle(jobId).terminate('operator');
    gated.release('cancel-cut/Patient');
    await gated.idle('cancel-cut/Patient');
    await age(EXPORT_JOBS_COLLECTION, jobId, 25);

    await runRetention();
    expect(await stack.objects.list(jobPrefix('cancel-cut', jobId))).toEqual([]);
    expect(await patientSetChunks(jobId)).toBe(0);
    expect(await exportRecord(jobId)).toBeNull();
  });
});
