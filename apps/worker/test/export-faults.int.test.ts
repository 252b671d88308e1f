import { type ExportManifest, outputCount, type PartitionCheckpoint } from '@fhir-bulk/export';
import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  exactlyOnce,
  exportedResourceCounts,
  freePort,
  pollUntilDone,
  type ServiceProcess,
  stackEnv,
  startBulkStack,
  startService,
  slowDown,
  startTemporalServer,
  waitFor,
} from '@fhir-bulk/test-support';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { mkdtempSync } from 'node:fs';
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
  EXPORT_FILE_MAX_RECORDS: 'Patient=1000,Observation=1500',
  EXPORT_HEARTBEAT_TIMEOUT_SECONDS: '2',
  EXPORT_PARTITION_CONCURRENCY: '2',
};

let stack: BulkStack;
const expected: string[] = [];
const processes: ServiceProcess[] = [];

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
  for (const tenant of ['kill', 'api', 'temporal']) {
    await bulkLoad(stack.store, tenant, [...patients, ...observations]);
  }
  expected.push(...patients.map((p) => `Patient/${p.id}`), ...observations.map((o) => `Observation/${o.id}`));
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await stack.stop();
});

function spawnService(app: 'worker' | 'api', overrides: Record<string, string> = {}) {
  const service = startService(app, { ...stackEnv(stack), ...overrides });
  processes.push(service);
  return service;
}

async function kickoff(baseUrl: string, tenant: string): Promise<{ statusUrl: string; jobId: string }> {
  const response = await fetch(`${baseUrl}/tenant/${tenant}/$export?_type=Patient,Observation`, {
    headers: { Prefer: 'respond-async', Accept: 'application/fhir+json' },
  });
  expect(response.status).toBe(202);
  const statusUrl = response.headers.get('content-location')!;
  return { statusUrl, jobId: statusUrl.split('/').pop()! };
}

/** The checkpoints running partitions last heartbeated, as Temporal holds them; fails if the job has ended. */
async function checkpoints(client: Client, jobId: string): Promise<PartitionCheckpoint[]> {
  const description = await client.workflow.getHandle(jobId).describe();
  if (description.status.name !== 'RUNNING')
    throw new Error(`job ${jobId} ended (${description.status.name}) too soon`);
  return (description.raw.pendingActivities ?? []).flatMap((activity) => {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    return payload ? [defaultPayloadConverter.fromPayload<PartitionCheckpoint>(payload)] : [];
  });
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

describe('a worker SIGKILLed mid-export', () => {
  it('resumes from its checkpoints on a new worker: completed files are kept, nothing is lost or doubled', async () => {
    // Slowed from outside (SIGSTOP/SIGCONT), so the export is surely still running when each kill lands.
    let worker = spawnService('worker');
    slowDown(worker);
    const { statusUrl, jobId } = await kickoff(stack.baseUrl, 'kill');

    // Kill 1: as soon as a partition has completed a file (and before the job is done).
    await waitFor(
      async () => (await checkpoints(stack.client, jobId)).some((c) => c.files.length > 0),
      60_000,
      'a completed file',
    );
    await worker.kill('SIGKILL');
    const kept = (await checkpoints(stack.client, jobId)).flatMap((c) => c.files);
    expect(kept.length).toBeGreaterThan(0);
    const before = new Map(
      await Promise.all(kept.map(async (f) => [f.key, (await stack.objects.stat(f.key))?.etag] as const)),
    );
    expect((await stack.client.workflow.getHandle(jobId).describe()).status.name).toBe('RUNNING');

    // Kill 2: once the resumed attempt has written more, mid-file.
    worker = spawnService('worker');
    slowDown(worker);
    const progressed = kept.reduce((sum, f) => sum + f.count, 0);
    await waitFor(
      async () => (await checkpoints(stack.client, jobId)).reduce((sum, c) => sum + c.written, 0) > progressed + 500,
      60_000,
      'progress after the first restart',
    );
    await worker.kill('SIGKILL');
    expect((await stack.client.workflow.getHandle(jobId).describe()).status.name).toBe('RUNNING');

    spawnService('worker');
    const done = await pollUntilDone(statusUrl, 120_000);
    expect(done.status).toBe(200);
    await expectExactlyOnce('kill', jobId, (await done.json()) as ExportManifest);
    // Files completed before the first kill were not written again.
    for (const [key, etag] of before) expect((await stack.objects.stat(key))?.etag).toBe(etag);
    expect(await activityAttempts(stack.client, jobId)).toBeGreaterThan(0);
  });
});

describe('the API killed and restarted mid-export', () => {
  it('answers the same job from the new process, which completes exactly once', async () => {
    const port = await freePort();
    const apiEnv = { API_PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` };
    const api = spawnService('api', apiEnv);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitFor(() => ready(baseUrl), 60_000, 'the API');
    const release = slowDown(spawnService('worker'));
    const { statusUrl, jobId } = await kickoff(baseUrl, 'api');
    expect((await fetch(statusUrl)).status).toBe(202);
    await api.kill('SIGKILL');
    expect((await stack.client.workflow.getHandle(jobId).describe()).status.name).toBe('RUNNING');

    spawnService('api', apiEnv);
    await waitFor(() => ready(baseUrl), 60_000, 'the restarted API');
    release();
    const done = await pollUntilDone(statusUrl, 120_000);
    expect(done.status).toBe(200);
    await expectExactlyOnce('api', jobId, (await done.json()) as ExportManifest);
  });
});

describe('the Temporal server killed and restarted mid-export', () => {
  it('continues from its persistent state and completes exactly once', async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'fhir-bulk-temporal-')), 'temporal.db');
    let temporal = await startTemporalServer(dbFile);
    processes.push(temporal.service);
    const port = Number(temporal.address.split(':')[1]);
    const overrides = { TEMPORAL_ADDRESS: temporal.address };
    const apiPort = await freePort();
    const baseUrl = `http://127.0.0.1:${apiPort}`;
    spawnService('api', { ...overrides, API_PORT: String(apiPort), PUBLIC_BASE_URL: baseUrl });
    const release = slowDown(spawnService('worker', overrides));
    await waitFor(() => ready(baseUrl), 60_000, 'the API');
    const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    try {
      const { statusUrl, jobId } = await kickoff(baseUrl, 'temporal');
      await waitFor(
        async () => (await checkpoints(client, jobId)).some((c) => c.files.length > 0),
        60_000,
        'a completed file',
      );
      await temporal.service.kill('SIGKILL');
      temporal = await startTemporalServer(dbFile, port);
      processes.push(temporal.service);
      release();

      const done = await pollUntilDone(statusUrl, 120_000);
      expect(done.status).toBe(200);
      await expectExactlyOnce('temporal', jobId, (await done.json()) as ExportManifest);
    } finally {
      await client.connection.close();
    }
  });
});

async function ready(baseUrl: string): Promise<boolean> {
  return fetch(`${baseUrl}/readyz`).then(
    (r) => r.status === 200,
    () => false,
  );
}
