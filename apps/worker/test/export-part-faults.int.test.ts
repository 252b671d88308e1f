import { ListPartsCommand } from '@aws-sdk/client-s3';
import { type ExportManifest, type OpenFile, type PartitionCheckpoint } from '@fhir-bulk/export';
import { objectStoreFromConfig, S3ObjectStore } from '@fhir-bulk/object-store';
import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  exactlyOnce,
  exportedResourceCounts,
  freePort,
  heartbeatsOf,
  outputCount,
  pollUntilDone,
  StackProcesses,
  startBulkStack,
  stopWhen,
  waitFor,
} from '@fhir-bulk/test-support';

/**
 * A worker SIGKILLed twice while it writes one large file: the retried attempts go on with the same multipart upload
 * after its last checkpointed part, so the parts completed before a kill are not uploaded again, and the file holds
 * every resource exactly once, read back whole (also encrypted, whose parts end mid-record on a 64 KiB segment).
 */
/**
 * About 1.5 KB per line: 58 MB in one file, eleven parts of 5 MiB. Large enough that writing it takes several
 * heartbeat intervals even when the worker is slowed: stopping the worker does not stop FerretDB from reading the
 * batch the export asked for ahead, so a slowed worker still writes at about FerretDB's pace.
 */
const OBSERVATIONS = 40_000;
const NOTE = 'n'.repeat(1_400);
const KEY_ENTRY = `faults:${Buffer.alloc(32, 5).toString('base64')}`;
const env = {
  // One file for the whole type, in the smallest parts S3 takes.
  EXPORT_FILE_MAX_RECORDS: 'Observation=1000000',
  EXPORT_PART_BYTES: String(5 * 1024 * 1024),
  // The default: shorter ones time out spuriously when a slowed worker shares a loaded machine (attempts churn).
  EXPORT_HEARTBEAT_TIMEOUT_SECONDS: '5',
};

// Three worker starts and a slowed export of 58 MB per test, on a machine other suites share.
jest.setTimeout(600_000);
/**
 * Workers run at half speed in bursts (SIGSTOP/SIGCONT from outside, stopWhen), so each kill surely lands while the
 * file is being written; a slowed worker may take minutes to reach a checkpoint on a loaded machine.
 */
const SLOWED = { runMs: 100, stopMs: 100, timeoutMs: 240_000 };
/**
 * Slower still while waiting for a heartbeat: the SDK sends one at most every 0.8 × the timeout (4 s), in which a
 * half-speed worker on a quiet machine can write the rest of the file.
 */
const UNTIL_HEARTBEAT = { runMs: 50, stopMs: 200, timeoutMs: 240_000 };

let stack: BulkStack;
const expected: string[] = [];
const processes = new StackProcesses(() => stack);

beforeAll(async () => {
  stack = await startBulkStack({ env, inProcessWorker: false });
  const observations = Array.from({ length: OBSERVATIONS }, (_, i) => ({
    resourceType: 'Observation',
    id: `o${i}`,
    status: 'final',
    code: { text: 'heart rate' },
    note: [{ text: `${i} ${NOTE}` }],
  }));
  await bulkLoad(stack.store, 'parts', observations);
  expected.push(...observations.map((o) => `Observation/${o.id}`));
});

// Each test's API and workers go with it: a worker left polling would take the next test's tasks with its own
// settings (an unencrypted one writing the encrypted test's manifest).
afterEach(async () => {
  await processes.killAll();
});

afterAll(() => stack.stop());

/** The file the running partition is writing, as its last heartbeat (held by Temporal) names it. */
async function openFile(jobId: string): Promise<OpenFile | undefined> {
  return (await heartbeatsOf<PartitionCheckpoint>(stack.client, jobId))[0]?.open;
}

/** The parts S3 holds for the open file's upload: number, entity tag and when each was uploaded. */
async function storedParts({ key, upload }: OpenFile) {
  const s3 = objectStoreFromConfig({ ...stack.config, OBJECT_ENCRYPTION: 'off' });
  if (!(s3 instanceof S3ObjectStore)) throw new Error('expected the plain S3 store');
  const listed = await s3.client.send(new ListPartsCommand({ Bucket: s3.bucket, Key: key, UploadId: upload.uploadId }));
  return (listed.Parts ?? []).map(({ PartNumber, ETag, LastModified }) => ({ PartNumber, ETag, LastModified }));
}

/** Whether the file's upload is still open (neither completed nor aborted). */
function stillOpen(file: OpenFile): Promise<boolean> {
  return storedParts(file).then(
    () => true,
    (error: unknown) => {
      if ((error as Error).name === 'NoSuchUpload') return false;
      throw error;
    },
  );
}

describe.each([
  ['plain', { OBJECT_ENCRYPTION: 'off' }],
  ['with OBJECT_ENCRYPTION=on', { OBJECT_ENCRYPTION: 'on', OBJECT_ENCRYPTION_KEYS: KEY_ENTRY }],
])('a worker SIGKILLed twice mid-file, %s', (_name, encryption) => {
  it('resumes the same upload after its last part: earlier parts are kept, every resource once', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const apiEnv = { ...encryption, API_PORT: String(port), PUBLIC_BASE_URL: baseUrl };
    processes.spawn('api', apiEnv);
    await waitFor(
      () =>
        fetch(`${baseUrl}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
      'the API',
    );
    let worker = processes.spawn('worker', encryption);
    const kickoff = await stack.fetch(`${baseUrl}/tenant/parts/$export?_type=Observation`, {
      headers: { Prefer: 'respond-async', Accept: 'application/fhir+json' },
    });
    expect(kickoff.status).toBe(202);
    const statusUrl = kickoff.headers.get('content-location')!;
    const jobId = statusUrl.split('/').pop()!;

    // Kill 1: once a part of the file is checkpointed (the worker stopped there, so it cannot finish meanwhile).
    // The upload must still be open: Temporal may hold a heartbeat older than the file's completion.
    const checkpointed = async () => {
      const open = await openFile(jobId);
      return (open?.upload.parts ?? 0) >= 1 && (await stillOpen(open!));
    };
    await stopWhen(worker, checkpointed, 'a checkpointed part', UNTIL_HEARTBEAT);
    await worker.kill('SIGKILL');
    const first = (await openFile(jobId))!;
    const kept = (await storedParts(first)).slice(0, first.upload.parts);

    // Kill 2: once the retried attempt has uploaded another part of the same upload, as S3 lists it (a heartbeat
    // could come too late: see UNTIL_HEARTBEAT). An attempt that gave the upload up would make the listing fail.
    const partsAtKill = (await storedParts(first)).length;
    worker = processes.spawn('worker', encryption);
    const more = async () => (await storedParts(first)).length > partsAtKill;
    await stopWhen(worker, more, 'a part uploaded after the first kill', SLOWED);
    await worker.kill('SIGKILL');
    // The parts checkpointed before the first kill were not uploaded again: same entity tags, same times.
    expect((await storedParts(first)).slice(0, first.upload.parts)).toEqual(kept);

    processes.spawn('worker', encryption);
    const done = await pollUntilDone(statusUrl, stack.fetch, 180_000);
    expect(done.status).toBe(200);
    const manifest = (await done.json()) as ExportManifest;
    expect(manifest.output).toHaveLength(1);
    expect(outputCount(manifest)).toBe(OBSERVATIONS);
    const objects = objectStoreFromConfig({
      ...stack.config,
      OBJECT_ENCRYPTION: encryption.OBJECT_ENCRYPTION as 'on' | 'off',
      OBJECT_ENCRYPTION_KEYS: [KEY_ENTRY],
    });
    const counts = await exportedResourceCounts(objects, 'parts', jobId);
    expect(exactlyOnce(counts, expected)).toEqual({ duplicated: [], missing: [], unexpected: [] });
  });
});
