import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  exactlyOnce,
  exportedResourceCounts,
  pollsTaskQueue,
  pollUntilDone,
  type ServiceProcess,
  stackEnv,
  startBulkStack,
  startExport,
  slowDown,
  startService,
  waitFor,
} from '@fhir-bulk/test-support';
import type { PartitionCheckpoint } from '@fhir-bulk/export';
import { defaultPayloadConverter } from '@temporalio/common';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Scaling out: worker processes on one task queue share an export's partitions, and a worker stopped with SIGTERM
 * drains (no new tasks, its running partitions cancelled at their checkpoints) while another finishes the job. Either
 * way every resource is exported exactly once.
 */
/**
 * One partition per type on FerretDB (a storage-order scan each, EXPORT_SCAN=auto): eight types make eight
 * partitions, run all at once, while each worker takes at most 2 activities, so neither worker can take them all.
 */
const TYPES = [
  'Patient',
  'Observation',
  'Condition',
  'Encounter',
  'Procedure',
  'Immunization',
  'MedicationRequest',
  'AllergyIntolerance',
];
/**
 * Resources per type of each tenant: more where a worker is stopped mid-export, so its partitions are still far from
 * done when it is (the checkpoint the test waits for is up to a heartbeat interval old).
 */
const PER_TYPE = { shared: 400, drain: 1500 };
/**
 * No grace time: the stopped worker cancels its partitions at once, so one surely resumes on the other worker (with
 * a grace time a partition might finish first, the other way a drain ends well).
 */
const GRACE_SECONDS = 0;
/** What worker.ts gives cancelled activities to stop before the worker gives up on them (ACTIVITY_STOP_SECONDS). */
const STOP_SECONDS = 30;
/** Each test runs one export on two workers (one of them slowed), on a machine that may be busy. */
const TEST_TIMEOUT_MS = 240_000;
const env = {
  EXPORT_PARTITION_CONCURRENCY: String(TYPES.length),
  WORKER_MAX_CONCURRENT_ACTIVITIES: '2',
  // Many files per partition (8, 30): a partition heartbeats a checkpoint with a completed file well before it ends
  // (the SDK sends heartbeats at most every 0.8 × the timeout).
  EXPORT_FILE_MAX_RECORDS: '*=50',
  EXPORT_HEARTBEAT_TIMEOUT_SECONDS: '2',
  WORKER_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
};
const QUERY = `_type=${TYPES.join(',')}`;

let stack: BulkStack;
let logDir: string;
const expected: Record<string, string[]> = {};
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  stack = await startBulkStack({ env, inProcessWorker: false });
  logDir = await mkdtemp(join(tmpdir(), 'fhir-bulk-two-workers-'));
  for (const [tenant, count] of Object.entries(PER_TYPE)) {
    const resources = TYPES.flatMap((resourceType) =>
      Array.from({ length: count }, (_, i) => ({ resourceType, id: `${resourceType.toLowerCase()}${i}` })),
    );
    await bulkLoad(stack.store, tenant, resources);
    expected[tenant] = resources.map((r) => `${r.resourceType}/${r.id}`);
  }
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill()));
  await stack.stop();
});

/** The SDK's default worker identity, `{pid}@{host}`: what Temporal's history records for each task it handed out. */
const identityOf = (worker: ServiceProcess) => `${worker.pid}@${hostname()}`;

/** Starts a worker process and waits until it polls for both kinds of task; its log (warnings) in logDir. */
async function startWorker(name: string): Promise<ServiceProcess> {
  const logFile = join(logDir, `${name}.log`);
  const worker = startService('worker', stackEnv(stack), { logFile });
  workers.push(worker);
  const polling = () =>
    pollsTaskQueue(stack.client, stack.config.TEMPORAL_TASK_QUEUE, worker, ['workflow', 'activity']);
  await Promise.race([waitFor(polling, 120_000, `worker ${name} to poll`, 250), worker.crashed]);
  // jest's global setup prebuilt the workflow bundle: a worker that had to bundle at start says so.
  expect(readFileSync(logFile, 'utf8')).not.toContain('bundling the workflows at start');
  return worker;
}

interface PartitionAttempt {
  identity: string;
  attempt: number;
}

/** Each start of an exportPartition activity, with the worker that took it, from the workflow's history. */
async function partitionAttempts(jobId: string): Promise<PartitionAttempt[]> {
  const events = (await stack.client.workflow.getHandle(jobId).fetchHistory()).events ?? [];
  const partitions = new Set(
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'exportPartition')
      .map((e) => String(e.eventId)),
  );
  return events.flatMap(({ activityTaskStartedEventAttributes: started }) =>
    started && partitions.has(String(started.scheduledEventId))
      ? [{ identity: started.identity ?? '', attempt: started.attempt ?? 1 }]
      : [],
  );
}

async function expectExactlyOnce(tenant: string, jobId: string) {
  const counts = await exportedResourceCounts(stack.objects, tenant, jobId);
  expect(exactlyOnce(counts, expected[tenant]!)).toEqual({ duplicated: [], missing: [], unexpected: [] });
}

describe('two worker processes on one task queue', () => {
  let first: ServiceProcess;
  let second: ServiceProcess;

  beforeAll(async () => {
    [first, second] = await Promise.all([startWorker('first'), startWorker('second')]);
  }, TEST_TIMEOUT_MS);

  it(
    "share one export's partitions, and every resource is exported exactly once",
    async () => {
      const statusUrl = await startExport(stack, `/tenant/shared/$export?${QUERY}`);
      const done = await pollUntilDone(statusUrl, stack.fetch, TEST_TIMEOUT_MS);
      expect(done.status).toBe(200);
      const jobId = statusUrl.split('/').pop()!;

      const attempts = await partitionAttempts(jobId);
      expect(attempts.length).toBeGreaterThanOrEqual(TYPES.length);
      const ranOn = new Set(attempts.map((a) => a.identity));
      expect(ranOn).toEqual(new Set([identityOf(first), identityOf(second)]));
      await expectExactlyOnce('shared', jobId);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'drain on SIGTERM: the stopped worker exits 0 within its grace time, the other resumes its partitions',
    async () => {
      // Until the first worker is mid-partition it is the only one: on a quiet machine the second took and finished
      // every partition before the slowed first polled (the job ended before the first could be stopped).
      await second.kill('SIGTERM');
      // The first worker is slowed from outside (SIGSTOP/SIGCONT, running 1/13 of the time) until it exits: its
      // partitions last until it has heartbeated a checkpoint with a completed file (the SDK sends heartbeats at most
      // every 0.8 × the timeout), and it is surely mid-partition when stopped.
      slowDown(first, { runMs: 25, stopMs: 300 });
      const statusUrl = await startExport(stack, `/tenant/drain/$export?${QUERY}`);
      const jobId = statusUrl.split('/').pop()!;
      // Stopped while it runs a partition that has completed a file: that partition must resume elsewhere.
      await waitFor(
        async () => {
          const { raw, status } = await stack.client.workflow.getHandle(jobId).describe();
          if (status.name !== 'RUNNING') throw new Error(`job ${jobId} ended (${status.name}) too soon`);
          return (raw.pendingActivities ?? []).some((activity) => {
            const payload = activity.heartbeatDetails?.payloads?.[0];
            const checkpoint = payload && defaultPayloadConverter.fromPayload<PartitionCheckpoint>(payload);
            return activity.lastWorkerIdentity === identityOf(first) && (checkpoint?.files.length ?? 0) > 0;
          });
        },
        TEST_TIMEOUT_MS / 2,
        'a partition checkpointed on the first worker',
        250,
      );
      const other = await startWorker('third');
      const stopping = Date.now();
      const exit = await first.kill('SIGTERM');
      const drainedMs = Date.now() - stopping;
      console.log(`worker ${identityOf(first)} drained and exited (${exit}) ${drainedMs} ms after SIGTERM`);
      expect(exit).toBe(0);
      expect(drainedMs).toBeLessThan((GRACE_SECONDS + STOP_SECONDS) * 1000);

      const done = await pollUntilDone(statusUrl, stack.fetch, TEST_TIMEOUT_MS);
      expect(done.status).toBe(200);
      const attempts = await partitionAttempts(jobId);
      // The cancelled partition was retried, on the worker still running.
      expect(attempts.some((a) => a.identity === identityOf(other) && a.attempt > 1)).toBe(true);
      await expectExactlyOnce('drain', jobId);
    },
    TEST_TIMEOUT_MS,
  );
});
