import { DuckDBInstance } from '@duckdb/node-api';
import { type ExportManifest, jobPrefix, type PartitionCheckpoint } from '@fhir-bulk/export';
import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  exactlyOnce,
  exportedResourceCounts,
  freePort,
  heartbeatsOf,
  outputCount,
  pollsTaskQueue,
  pollUntilDone,
  StackProcesses,
  startBulkStack,
  stopWhen,
  startTemporalServer,
  waitFor,
} from '@fhir-bulk/test-support';
import { Client, Connection } from '@temporalio/client';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Exactly-once under faults: the worker SIGKILLed at several points, the API killed and restarted, the Temporal
 * server killed and restarted on its persistent database. Each export must end with every resource exactly once.
 */
const PATIENTS = 4_000;
const OBSERVATIONS = 6_000;
// Small files, so a kill lands between completed files; a short heartbeat timeout, so retries start quickly and
// heartbeats (which the SDK sends at most every 0.8 × the timeout) reach Temporal often.
const env = {
  EXPORT_FILE_MAX_RECORDS: 'Patient=500,Observation=750',
  EXPORT_HEARTBEAT_TIMEOUT_SECONDS: '2',
  EXPORT_PARTITION_CONCURRENCY: '2',
};

// Each test starts several worker processes and runs an export in bursts: a minute alone, more on a loaded machine.
jest.setTimeout(300_000);

let stack: BulkStack;
const expected: string[] = [];
const processes = new StackProcesses(() => stack);

beforeAll(async () => {
  stack = await startBulkStack({ env, inProcessWorker: false });
  const patients = Array.from({ length: PATIENTS }, (_, i) => ({
    resourceType: 'Patient',
    id: `p${i}`,
    gender: 'female',
  }));
  const observations = Array.from({ length: OBSERVATIONS }, (_, i) => ({
    resourceType: 'Observation',
    id: `o${i}`,
    status: 'final',
    code: { text: 'heart rate' },
    subject: { reference: `Patient/p${i % PATIENTS}` },
  }));
  for (const tenant of ['kill', 'killpq', 'api', 'temporal']) {
    await bulkLoad(stack.store, tenant, [...patients, ...observations]);
  }
  expected.push(...patients.map((p) => `Patient/${p.id}`), ...observations.map((o) => `Observation/${o.id}`));
});

afterAll(async () => {
  await processes.killAll();
  await stack.stop();
});

/**
 * A worker started at full speed, returned polling and stopped (SIGSTOP): a job started next waits for stopWhen's
 * bursts, which slow the job and not the worker's start.
 */
async function pollingWorker(client = stack.client, overrides: Record<string, string> = {}) {
  const worker = processes.spawn('worker', overrides);
  const polling = () => pollsTaskQueue(client, stack.config.TEMPORAL_TASK_QUEUE, worker, ['workflow', 'activity']);
  await waitFor(polling, 120_000, 'the worker polling');
  worker.child.kill('SIGSTOP');
  return worker;
}

async function kickoff(
  baseUrl: string,
  tenant: string,
  query = '_type=Patient,Observation',
): Promise<{ statusUrl: string; jobId: string }> {
  const response = await stack.fetch(`${baseUrl}/tenant/${tenant}/$export?${query}`, {
    headers: { Prefer: 'respond-async', Accept: 'application/fhir+json' },
  });
  expect(response.status).toBe(202);
  const statusUrl = response.headers.get('content-location')!;
  return { statusUrl, jobId: statusUrl.split('/').pop()! };
}

async function expectExactlyOnce(tenant: string, jobId: string, manifest: ExportManifest) {
  const counts = await exportedResourceCounts(stack.objects, tenant, jobId);
  expect(exactlyOnce(counts, expected)).toEqual({ duplicated: [], missing: [], unexpected: [] });
  expect(outputCount(manifest)).toBe(PATIENTS + OBSERVATIONS);
}

/** How many times Temporal started the partition activities: more than once means a retry resumed the work. */
async function activityAttempts(client: Client, jobId: string): Promise<number> {
  const history = await client.workflow.getHandle(jobId).fetchHistory();
  return (history.events ?? []).filter(
    (e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1,
  ).length;
}

/** How many output files of the job are in S3: a file is listed once its upload has completed. */
async function fileCount(tenant: string, jobId: string): Promise<number> {
  return (await stack.objects.list(jobPrefix(tenant, jobId))).length;
}

/**
 * Runs an export on a worker that is SIGKILLed twice: once a partition has completed a file and heartbeated it, then
 * once the resumed attempt has completed another. The worker runs in bursts and is stopped at each condition, so the
 * kill lands there (on a quiet machine an unslowed worker finishes before a test could react). Returns the final
 * manifest; checks that files completed before the first kill were not written again.
 */
async function exportThroughTwoKills(tenant: string, query: string) {
  // Kill 1: once a file is complete and its checkpoint reached Temporal. The SDK holds heartbeats back for 0.8 × the
  // timeout (wall clock), so the second wait gives the worker less of that time: the held heartbeat goes out while
  // the worker moves on by a file or two at most.
  let worker = await pollingWorker();
  const { statusUrl, jobId } = await kickoff(stack.baseUrl, tenant, query);
  await stopWhen(worker, async () => (await fileCount(tenant, jobId)) > 0, 'a completed file');
  const heartbeated = async () =>
    (await heartbeatsOf<PartitionCheckpoint>(stack.client, jobId)).some((c) => c.files.length > 0);
  await stopWhen(worker, heartbeated, 'its checkpoint', { runMs: 50, stopMs: 300 });
  await worker.kill('SIGKILL');
  const kept = (await heartbeatsOf<PartitionCheckpoint>(stack.client, jobId)).flatMap((c) => c.files);
  expect(kept.length).toBeGreaterThan(0);
  const before = new Map(
    await Promise.all(kept.map(async (f) => [f.key, (await stack.objects.stat(f.key))?.etag] as const)),
  );
  expect((await stack.client.workflow.getHandle(jobId).describe()).status.name).toBe('RUNNING');

  // Kill 2: once the resumed attempt has completed a file of its own (perhaps before heartbeating it). This worker
  // starts in bursts: the retried partitions wait for it, and at full speed it could finish them before a check.
  const filesAtKill = await fileCount(tenant, jobId);
  worker = processes.spawn('worker');
  await stopWhen(worker, async () => (await fileCount(tenant, jobId)) > filesAtKill, 'a file after the restart');
  await worker.kill('SIGKILL');
  expect((await stack.client.workflow.getHandle(jobId).describe()).status.name).toBe('RUNNING');

  const last = processes.spawn('worker');
  const done = await pollUntilDone(statusUrl, stack.fetch, 120_000);
  expect(done.status).toBe(200);
  // Files completed before the first kill were not written again.
  for (const [key, etag] of before) expect((await stack.objects.stat(key))?.etag).toBe(etag);
  expect(await activityAttempts(stack.client, jobId)).toBeGreaterThan(0);
  await last.kill();
  return { jobId, manifest: (await done.json()) as ExportManifest };
}

describe('a worker SIGKILLed mid-export', () => {
  it('resumes from its checkpoints on a new worker: completed files are kept, nothing is lost or doubled', async () => {
    const { jobId, manifest } = await exportThroughTwoKills('kill', '_type=Patient,Observation');
    await expectExactlyOnce('kill', jobId, manifest);
  });

  it('does the same for Parquet files of views: every row exactly once, each file readable', async () => {
    for (const [id, resource] of [
      ['patient-ids', 'Patient'],
      ['observation-ids', 'Observation'],
    ] as const) {
      const view = { resourceType: 'ViewDefinition', id, name: id.replace('-', '_'), status: 'active', resource };
      const columns = [{ name: 'key', path: 'getResourceKey()' }];
      const response = await stack.fetch(`${stack.baseUrl}/tenant/killpq/ViewDefinition/${id}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify({ ...view, select: [{ column: columns }] }),
      });
      expect(response.status).toBe(201);
    }
    const query = '_outputFormat=parquet&_viewDefinition=patient-ids,observation-ids';
    const { jobId, manifest } = await exportThroughTwoKills('killpq', query);

    expect(outputCount(manifest)).toBe(PATIENTS + OBSERVATIONS);
    const keys = await parquetKeys(stack.objects, jobPrefix('killpq', jobId));
    const typed = keys.map((k) => (k.startsWith('p') ? `Patient/${k}` : `Observation/${k}`));
    const counts = new Map<string, number>();
    for (const key of typed) counts.set(key, (counts.get(key) ?? 0) + 1);
    expect(exactlyOnce(counts, expected)).toEqual({ duplicated: [], missing: [], unexpected: [] });
  });
});

/** Every row's `key` of every Parquet file under `prefix`, read by DuckDB from local copies. */
async function parquetKeys(objects: BulkStack['objects'], prefix: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-bulk-faults-'));
  const files = await Promise.all(
    (await objects.list(prefix))
      .filter((key) => key.endsWith('.parquet'))
      .map(async (key, i) => {
        const file = join(dir, `${i}.parquet`);
        writeFileSync(file, Buffer.concat(await (await objects.get(key)).toArray()));
        return file;
      }),
  );
  expect(files.length).toBeGreaterThan(2);
  const duckdb = await (await DuckDBInstance.create()).connect();
  try {
    const reader = await duckdb.runAndReadAll(
      `SELECT key FROM read_parquet([${files.map((f) => `'${f}'`).join(',')}])`,
    );
    return reader.getRowObjectsJson().map((row) => String(row.key));
  } finally {
    duckdb.closeSync();
  }
}

describe('the API killed and restarted mid-export', () => {
  it('answers the same job from the new process, which completes exactly once', async () => {
    const port = await freePort();
    const apiEnv = { API_PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` };
    const api = processes.spawn('api', apiEnv);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitFor(() => ready(baseUrl), 60_000, 'the API');
    const worker = await pollingWorker();
    const { statusUrl, jobId } = await kickoff(baseUrl, 'api');
    const resume = await stopWhen(worker, async () => (await fileCount('api', jobId)) > 0, 'a completed file');
    expect((await stack.fetch(statusUrl)).status).toBe(202);
    await api.kill('SIGKILL');
    expect((await stack.client.workflow.getHandle(jobId).describe()).status.name).toBe('RUNNING');

    processes.spawn('api', apiEnv);
    await waitFor(() => ready(baseUrl), 60_000, 'the restarted API');
    resume();
    const done = await pollUntilDone(statusUrl, stack.fetch, 120_000);
    expect(done.status).toBe(200);
    await expectExactlyOnce('api', jobId, (await done.json()) as ExportManifest);
  });
});

describe('the Temporal server killed and restarted mid-export', () => {
  it('continues from its persistent state and completes exactly once', async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'fhir-bulk-temporal-')), 'temporal.db');
    let temporal = await startTemporalServer(dbFile);
    processes.adopt(temporal.service);
    const port = Number(temporal.address.split(':')[1]);
    const overrides = { TEMPORAL_ADDRESS: temporal.address };
    const apiPort = await freePort();
    const baseUrl = `http://127.0.0.1:${apiPort}`;
    processes.spawn('api', { ...overrides, API_PORT: String(apiPort), PUBLIC_BASE_URL: baseUrl });
    await waitFor(() => ready(baseUrl), 60_000, 'the API');
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    try {
      const worker = await pollingWorker(client, overrides);
      const { statusUrl, jobId } = await kickoff(baseUrl, 'temporal');
      const resume = await stopWhen(worker, async () => (await fileCount('temporal', jobId)) > 0, 'a completed file');
      expect((await client.workflow.getHandle(jobId).describe()).status.name).toBe('RUNNING');
      await temporal.service.kill('SIGKILL');
      temporal = await startTemporalServer(dbFile, port);
      processes.adopt(temporal.service);
      resume();

      const done = await pollUntilDone(statusUrl, stack.fetch, 120_000);
      expect(done.status).toBe(200);
      await expectExactlyOnce('temporal', jobId, (await done.json()) as ExportManifest);
    } finally {
      await client.connection.close();
    }
  });
});

/** Readiness is open: asked without a token. */
async function ready(baseUrl: string): Promise<boolean> {
  return fetch(`${baseUrl}/readyz`).then(
    (r) => r.status === 200,
    () => false,
  );
}
