import {
  furthest,
  ImportCheckpointRecords,
  importKickoffBody,
  type ImportCheckpoint,
  type ImportResult,
} from '@fhir-bulk/import';
import {
  type BulkStack,
  heartbeatsOf,
  importFile,
  ndjsonLines,
  pollProgressUntil,
  pollUntilDone,
  putInput,
  type ServiceProcess,
  pollsActivities,
  slowDown,
  StackProcesses,
  startBulkStack,
  startImport,
  waitFor,
} from '@fhir-bulk/test-support';

/**
 * $import under faults: the worker SIGKILLed mid-file, twice, and restarted. Every good resource must exist exactly
 * once with one version, and every bad line be reported exactly once. Cancel stops a running import.
 */
// Large enough that a slowed worker is still mid-file after its first checkpoints reach Temporal (the SDK sends
// heartbeats at most every 0.8 × the heartbeat timeout), even on a quiet machine.
const LINES = 30_000;
// Generous test timeouts: each worker process bundles its workflow code at start, slowly when slowed down.
// Small batches and a short heartbeat timeout: checkpoints come often, and a dead worker's file moves quickly (4 s:
// shorter, a worker slowed by SIGSTOP on a busy machine misses heartbeats and its attempts time out over and over).
const env = { IMPORT_BATCH_SIZE: '100', IMPORT_HEARTBEAT_TIMEOUT_SECONDS: '4', IMPORT_CONSUMER_COUNT: '3' };

const CLEAN_LINES = 60_000;
const VERY_SLOW = { runMs: 30, stopMs: 270 };

let stack: BulkStack;
const processes = new StackProcesses(() => stack);

beforeAll(async () => {
  stack = await startBulkStack({ env, inProcessWorker: false });
});

// A worker a test leaves (it failed early) must not serve the next test's job under its own settings.
afterEach(async () => {
  await processes.killAll();
});

afterAll(async () => {
  await stack.stop();
});

/** The checkpoint the running file activity last heartbeated, as Temporal holds it; fails if the job ended. */
async function checkpoint(jobId: string): Promise<ImportCheckpoint | undefined> {
  return (await heartbeatsOf<ImportCheckpoint>(stack.client, jobId))[0];
}

describe('a worker SIGKILLed mid-file', () => {
  it('resumes from the checkpoint: every good resource once with one version, every bad line reported once', async () => {
    const file = importFile('Patient', LINES, { prefix: 'k' });
    const url = await putInput(stack.inputs, 'kill/patients.ndjson', file.text);
    let worker = processes.spawn('worker');
    slowDown(worker);
    const { statusUrl, jobId } = await startImport(
      `${stack.baseUrl}/tenant/kill`,
      stack.fetch,
      importKickoffBody([{ type: 'Patient', url }]),
    );

    // Kill 1: once a checkpoint past the file's start (and with error parts) is in Temporal.
    await waitFor(async () => ((await checkpoint(jobId))?.errorParts.length ?? 0) > 0, 120_000, 'a first checkpoint');
    const first = (await checkpoint(jobId))!;
    await worker.kill('SIGKILL');

    // Kill 2: after the resumed attempt has moved on, mid-file.
    worker = processes.spawn('worker');
    slowDown(worker);
    await waitFor(
      async () => ((await checkpoint(jobId))?.offset ?? 0) > first.offset,
      120_000,
      'progress after a restart',
    );
    const second = (await checkpoint(jobId))!;
    // A poll while the file is running says how far it got: its last checkpoint. The details come from a query the
    // (slowed) worker answers; a poll it does not answer within the API's deadline says just "In progress", so poll
    // until one does.
    const progress = await pollProgressUntil(
      statusUrl,
      stack.fetch,
      (text) => text !== 'In progress',
      60_000,
      'a poll with details',
    );
    expect(progress).toMatch(/^Importing \d+%: 0 of 1 files, [\d.]+ of [\d.]+ MB, \d+ resources, \d+ errors$/);
    expect(second.offset).toBeLessThan(Buffer.byteLength(file.text));
    await worker.kill('SIGKILL');

    processes.spawn('worker');
    // Slow on FerretDB: a resumed attempt rewrites the batches after its checkpoint, and every id that exists
    // costs a read by _id (about 7-10 ms there) to compare content.
    const done = await pollUntilDone(statusUrl, stack.fetch, 300_000);
    expect(done.status).toBe(200);
    const result = (await done.json()) as ImportResult;
    expect(result.output).toEqual([{ type: 'Patient', inputUrl: url, count: file.goodIds.length }]);
    expect(result.error[0]!.count).toBe(file.badLines.length);

    const docs = await stack.store.collection('kill', 'Patient').find({ tenant: 'kill' }).toArray();
    expect(docs.map((d) => d.id).sort()).toEqual([...file.goodIds].sort());
    expect(new Set(docs.map((d) => d.versionId))).toEqual(new Set([1]));
    expect(await stack.store.history('kill', 'Patient').countDocuments({ tenant: 'kill' })).toBe(0);

    const errors = ndjsonLines(await (await stack.fetch(result.error[0]!.url!)).text());
    const lines = errors.map((o) => (o.extension as Array<{ valueInteger?: number }>)[0]!.valueInteger);
    expect(lines).toEqual(file.badLines);

    // Temporal history shows the file activity was attempted more than once.
    const history = await stack.client.workflow.getHandle(jobId).fetchHistory();
    const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
    expect(retried.length).toBeGreaterThan(0);
  }, 600_000);
});

/**
 * Starts a much-slowed worker and an import of CLEAN_LINES good Patients into `tenant` (from its own prefix): a
 * worker with its validators cached writes tens of thousands of lines in seconds, even slowed as above.
 */
async function importCleanFileSlowly(tenant: string) {
  const file = importFile('Patient', CLEAN_LINES, { prefix: tenant, badEvery: 0 });
  const url = await putInput(stack.inputs, `${tenant}/patients.ndjson`, file.text);
  const worker = processes.spawn('worker');
  slowDown(worker, VERY_SLOW);
  const { statusUrl, jobId } = await startImport(
    `${stack.baseUrl}/tenant/${tenant}`,
    stack.fetch,
    importKickoffBody([{ type: 'Patient', url }]),
  );
  return { file, url, worker, statusUrl, jobId };
}

describe('a resumed attempt', () => {
  /** What an attempt started now would resume from: the further of Temporal's heartbeat and the recorded checkpoint. */
  async function resumePoint(jobId: string): Promise<ImportCheckpoint | undefined> {
    return furthest(await checkpoint(jobId), await new ImportCheckpointRecords(stack.store.db).load(jobId, 0));
  }

  /**
   * Kills the worker mid-file and measures what the next attempt will write again: the resources stored beyond
   * its resume point. Each of the `IMPORT_CONSUMER_COUNT` writers can have finished at most one batch that no
   * checkpoint holds yet, whatever the speed; a resume point taken from the heartbeat alone lags by seconds of work.
   */
  async function killAndMeasureRedo(worker: ServiceProcess, jobId: string, tenant: string, after: number) {
    await waitFor(async () => ((await resumePoint(jobId))?.count ?? 0) > after, 120_000, `${after} resources`);
    await worker.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a write the dead worker sent lands meanwhile
    const stored = await stack.store.collection(tenant, 'Patient').countDocuments({ tenant });
    const resume = (await resumePoint(jobId))!;
    return { stored, resume, redo: stored - resume.count };
  }

  it('rewrites at most one batch per writer after each kill, and still lands every resource once', async () => {
    const tenant = 'redo';
    const { file, url, statusUrl, jobId, ...started } = await importCleanFileSlowly(tenant);
    let worker = started.worker;
    const bound = Number(env.IMPORT_CONSUMER_COUNT) * Number(env.IMPORT_BATCH_SIZE);
    for (const after of [CLEAN_LINES / 6, CLEAN_LINES / 2]) {
      const { stored, resume, redo } = await killAndMeasureRedo(worker, jobId, tenant, after);
      expect(stored).toBeLessThan(CLEAN_LINES); // mid-file
      expect(resume.count).toBeLessThanOrEqual(stored); // a checkpoint never passes what was written
      expect(redo).toBeLessThanOrEqual(bound);
      worker = processes.spawn('worker');
      slowDown(worker, VERY_SLOW);
    }
    const done = await pollUntilDone(statusUrl, stack.fetch, 300_000);
    expect(done.status).toBe(200);
    const result = (await done.json()) as ImportResult;
    expect(result.output).toEqual([{ type: 'Patient', inputUrl: url, count: CLEAN_LINES }]);
    expect(result.error).toEqual([]);
    const docs = await stack.store.collection(tenant, 'Patient').find({ tenant }).toArray();
    expect(docs.map((d) => d.id).sort()).toEqual([...file.goodIds].sort());
    expect(new Set(docs.map((d) => d.versionId))).toEqual(new Set([1]));
    expect(await stack.store.history(tenant, 'Patient').countDocuments({ tenant })).toBe(0);
    // The job's checkpoint records go with it.
    expect(await new ImportCheckpointRecords(stack.store.db).load(jobId, 0)).toBeUndefined();
  }, 600_000);
});

describe('a source withdrawn from the worker policy mid-file', () => {
  it('stops the job at the next read: the resumed attempt refuses the input and writes nothing more', async () => {
    const tenant = 'withdrawn';
    const { url, statusUrl, jobId, worker } = await importCleanFileSlowly(tenant);
    await waitFor(async () => ((await checkpoint(jobId))?.count ?? 0) > 0, 120_000, 'a first checkpoint');
    await worker.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stored = await stack.store.collection(tenant, 'Patient').countDocuments({ tenant });
    expect(stored).toBeLessThan(CLEAN_LINES);

    // The replacement runs under a policy without the input bucket (an operator withdrew it).
    processes.spawn('worker', { IMPORT_S3_BUCKETS: 'another-import-bucket' });
    const done = await pollUntilDone(statusUrl, stack.fetch, 120_000);
    expect(done.status).toBeGreaterThanOrEqual(400);
    expect(done.status).toBeLessThan(500);
    const outcome = (await done.json()) as { resourceType: string; issue: Array<{ diagnostics?: string }> };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]!.diagnostics).toContain(url);
    expect((await stack.client.workflow.getHandle(jobId).describe()).status.name).toBe('FAILED');
    expect(await stack.store.collection(tenant, 'Patient').countDocuments({ tenant })).toBe(stored);
  }, 600_000);
});

describe('cancel', () => {
  it('stops a running import: polls answer 404, the workflow ends cancelled, its error files are gone', async () => {
    // Only a slowed worker of this test's own (afterEach stopped the others), so the import is surely running when
    // the DELETE lands.
    const url = await putInput(stack.inputs, 'cancel/patients.ndjson', importFile('Patient', LINES).text);
    // Slowed only once it polls: a worker slowed from its start bundles its workflow code at a quarter speed, which
    // on a machine busy with the other fault suites took longer than the test allows.
    const worker = processes.spawn('worker');
    await waitFor(() => pollsActivities(stack, worker), 120_000, 'the worker to poll');
    const release = slowDown(worker);
    const { statusUrl, jobId } = await startImport(
      `${stack.baseUrl}/tenant/cancel`,
      stack.fetch,
      importKickoffBody([{ type: 'Patient', url }]),
    );
    await waitFor(async () => ((await checkpoint(jobId))?.errorParts.length ?? 0) > 0, 120_000, 'a first checkpoint');

    const cancelled = await stack.fetch(statusUrl, { method: 'DELETE' });
    expect(cancelled.status).toBe(202);
    expect((await stack.fetch(statusUrl)).status).toBe(404);
    await waitFor(
      async () => (await stack.client.workflow.getHandle(jobId).describe()).status.name === 'CANCELLED',
      60_000,
      'the workflow to end cancelled',
    );
    // Released only now: at full speed the worker could finish the file before the cancel reaches it.
    release();
    expect(await stack.objects.list(`cancel/import/${jobId}/`)).toEqual([]);
    const record = await stack.store.db.collection('import_jobs').findOne({ _id: jobId as never });
    expect(record?.status).toBe('cancelled');
    // Fewer resources than the file holds: the import really stopped early, and nothing is written once it ended.
    const imported = await stack.store.collection('cancel', 'Patient').countDocuments({ tenant: 'cancel' });
    expect(imported).toBeLessThan(LINES * 0.9);
    await new Promise((done) => setTimeout(done, 3_000));
    expect(await stack.store.collection('cancel', 'Patient').countDocuments({ tenant: 'cancel' })).toBe(imported);
  }, 300_000);

  it('ends cancelled, not failed, when the cancel lands while the worker is dead', async () => {
    const url = await putInput(stack.inputs, 'cancel-dead/patients.ndjson', importFile('Patient', LINES).text);
    const worker = processes.spawn('worker');
    await waitFor(() => pollsActivities(stack, worker), 120_000, 'the worker to poll');
    slowDown(worker);
    const { statusUrl, jobId } = await startImport(
      `${stack.baseUrl}/tenant/cancel-dead`,
      stack.fetch,
      importKickoffBody([{ type: 'Patient', url }]),
    );
    await waitFor(async () => ((await checkpoint(jobId))?.errorParts.length ?? 0) > 0, 120_000, 'a first checkpoint');
    await worker.kill('SIGKILL');

    // Nobody can acknowledge the cancel: the file's attempt ends by heartbeat timeout, the cleanup runs on the next
    // worker, and the job must still end as what its client asked for.
    expect((await stack.fetch(statusUrl, { method: 'DELETE' })).status).toBe(202);
    processes.spawn('worker');
    await waitFor(
      async () => (await stack.client.workflow.getHandle(jobId).describe()).status.name !== 'RUNNING',
      120_000,
      'the workflow to end',
    );
    expect((await stack.client.workflow.getHandle(jobId).describe()).status.name).toBe('CANCELLED');
    expect((await stack.fetch(statusUrl)).status).toBe(404);
    expect(await stack.objects.list(`cancel-dead/import/${jobId}/`)).toEqual([]);
    const record = await stack.store.db.collection('import_jobs').findOne({ _id: jobId as never });
    expect(record?.status).toBe('cancelled');
  }, 300_000);
});
