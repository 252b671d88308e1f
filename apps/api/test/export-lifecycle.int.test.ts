import { type ExportManifest, jobPrefix } from '@fhir-bulk/export';
import { EXPORT_JOBS_COLLECTION, JobRecords, POLL_PROGRESS_COLLECTION } from '@fhir-bulk/jobs';
import type { OperationOutcome } from '@fhir-bulk/fhir';
import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  eventsOfJob,
  pollUntilDone,
  startBulkStack,
  storedAuditEvents,
  waitFor,
} from '@fhir-bulk/test-support';
import { type GatedWorker, startGatedWorker } from './gated-worker';

/**
 * A job's life as a client sees it over HTTP: 202 with progress while it runs, 429 to a client polling too fast,
 * 200 with the manifest (paged only for clients that allowed it), and the per-tenant limit on concurrent jobs.
 * Checked against what really happened: job records and audit events in MongoDB, objects in S3.
 */
const env = {
  EXPORT_MAX_CONCURRENT_PER_TENANT: '1',
  EXPORT_MANIFEST_PAGE_SIZE: '2',
  EXPORT_FILE_MAX_RECORDS: 'Patient=1',
};

let stack: BulkStack;
let gated: GatedWorker | undefined;
beforeAll(async () => {
  stack = await startBulkStack({ env, inProcessWorker: false });
});
afterAll(async () => {
  await gated?.stop();
  await stack.stop();
});

/** The suite's worker, started on first use: until then jobs stay queued. */
async function worker(): Promise<GatedWorker> {
  gated ??= await startGatedWorker(stack);
  return gated;
}

const patients = (n: number) => Array.from({ length: n }, (_, i) => ({ resourceType: 'Patient', id: `p${i}` }));
const observations = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ resourceType: 'Observation', id: `o${i}`, status: 'final', code: {} }));

/** Kicks off an export at `path` of `on` (a stack), as that stack's client. */
async function kickoff(on: BulkStack, path: string): Promise<{ statusUrl: string; jobId: string }> {
  const response = await on.fetch(`${on.baseUrl}${path}`, { headers: { Prefer: 'respond-async' } });
  expect(response.status).toBe(202);
  const statusUrl = response.headers.get('content-location')!;
  return { statusUrl, jobId: statusUrl.split('/').pop()! };
}

const jobRecord = (jobId: string) => stack.store.db.collection(EXPORT_JOBS_COLLECTION).findOne({ _id: jobId as never });

describe('status while running', () => {
  it('answers 202 with X-Progress and Retry-After: queued, planning, then exporting with a running count', async () => {
    await bulkLoad(stack.store, 'progress', [...patients(3), ...observations(2)]);
    const { statusUrl, jobId } = await kickoff(stack, '/tenant/progress/$export?_type=Patient,Observation');

    // No worker yet: the job is queued, and the poll says so without waiting for one.
    const queued = await stack.fetch(statusUrl);
    expect(queued.status).toBe(202);
    expect(queued.headers.get('x-progress')).toBe('In progress');
    expect(queued.headers.get('retry-after')).toBe('1');
    expect(await queued.text()).toBe('');

    const { hold, release } = await worker();
    hold('progress/plan', 'progress/Observation');
    const seen: string[] = [];
    const progressIs = (text: string) => async () => {
      const response = await stack.fetch(statusUrl);
      expect(response.status).toBe(202);
      expect(response.headers.get('retry-after')).toBe('1');
      seen.push(response.headers.get('x-progress')!);
      return seen.at(-1) === text;
    };
    await waitFor(progressIs('Planning'), 30_000, 'X-Progress: Planning');
    release('progress/plan');
    // Patients (3 files of 1) are written; Observation is held mid-way, so the job is still running. FerretDB does
    // not count cheaply, so the plan has no total and the progress is a count, not a percentage.
    await waitFor(progressIs('Exporting: 3 resources written (Patient 3)'), 30_000, 'X-Progress: Exporting').catch(
      (error: Error) => {
        throw new Error(`${error.message}; X-Progress was ${[...new Set(seen)].join(' | ')}`);
      },
    );
    expect(await jobRecord(jobId)).toMatchObject({ status: 'running', tenant: 'progress' });
    const answered = stack.store.db.collection(POLL_PROGRESS_COLLECTION).findOne({ _id: jobId as never });
    expect(await answered).toMatchObject({ byType: { Patient: 3 } });
    // Polls answer at least what an earlier one did (a partition resumed after a crash counts its unfinished file
    // again from zero): counts raised by an earlier answer stay, lower ones are not taken.
    const records = new JobRecords(stack.store.db, 'export');
    expect(await records.progressAtLeast(jobId, { Patient: 1, Observation: 2 })).toEqual({
      Patient: 3,
      Observation: 2,
    });
    const later = await stack.fetch(statusUrl);
    expect(later.headers.get('x-progress')).toBe('Exporting: 5 resources written (Patient 3, Observation 2)');
    release('progress/Observation');

    const done = await pollUntilDone(statusUrl, stack.fetch);
    expect(done.status).toBe(200);
    const manifest = (await done.json()) as ExportManifest;
    expect(manifest.output.map((o) => [o.type, o.count])).toEqual([
      ['Observation', 2],
      ['Patient', 1],
      ['Patient', 1],
      ['Patient', 1],
    ]);
  });
});

describe('polling faster than Retry-After', () => {
  let throttled: BulkStack;
  beforeAll(async () => {
    throttled = await startBulkStack({ env: { JOB_STATUS_MIN_INTERVAL_SECONDS: '5' }, inProcessWorker: false });
  });
  afterAll(() => throttled.stop());

  it('answers 429 with Retry-After and an OperationOutcome, per job; 202 again once the client waited', async () => {
    const { statusUrl, jobId } = await kickoff(throttled, '/$export?_type=Patient');
    const first = await throttled.fetch(statusUrl);
    expect(first.status).toBe(202);
    expect(first.headers.get('retry-after')).toBe('5');

    for (const url of [statusUrl, `${throttled.baseUrl}/$bulk-export-status/${jobId}`]) {
      const again = await throttled.fetch(url);
      expect(again.status).toBe(429);
      const wait = Number(again.headers.get('retry-after'));
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(5);
      const body = (await again.json()) as OperationOutcome;
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue[0]).toMatchObject({ severity: 'error', code: 'throttled' });
    }

    // Another job has its own budget.
    const other = await kickoff(throttled, '/$export?_type=Observation');
    expect((await throttled.fetch(other.statusUrl)).status).toBe(202);

    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect((await throttled.fetch(statusUrl)).status).toBe(202);
  });
});

describe('a completed export', () => {
  it('answers 200 with the whole manifest and Expires at both status URLs; records the job and its audit', async () => {
    await bulkLoad(stack.store, 'done', patients(3));
    await worker();
    const before = Date.now();
    const { statusUrl, jobId } = await kickoff(stack, '/tenant/done/$export?_type=Patient');
    const done = await pollUntilDone(statusUrl, stack.fetch);
    expect(done.status).toBe(200);
    const manifest = (await done.json()) as ExportManifest;
    // Three files, more than a manifest page (2): a client that did not allow partial manifests gets them all.
    expect(manifest).toEqual({
      transactionTime: expect.any(String),
      request: `${stack.baseUrl}/tenant/done/$export?_type=Patient`,
      requiresAccessToken: true,
      output: [0, 1, 2].map((i) => ({ type: 'Patient', url: `${statusUrl}/files/Patient-0-${i}.ndjson`, count: 1 })),
      deleted: [],
      error: [],
    });
    expect(Date.parse(manifest.transactionTime)).toBeGreaterThanOrEqual(before - 1_000);

    const record = await jobRecord(jobId);
    expect(record).toMatchObject({
      tenant: 'done',
      status: 'completed',
      requestedBy: stack.auth.clientId,
      types: ['Patient'],
      totalRecords: 3,
      fileCount: 3,
      totalSize: expect.any(Number),
    });
    const objects = await stack.objects.list(jobPrefix('done', jobId));
    let bytes = 0;
    for (const key of objects.filter((k) => k.endsWith('.ndjson'))) bytes += (await stack.objects.getText(key)).length;
    expect(record!.totalSize).toBe(bytes);
    expect(record!.startTime.getTime()).toBeLessThanOrEqual(record!.endTime.getTime());
    // Retention: 24 h by default, from the end of the job; Expires says the same, to the second.
    expect(record!.expiresAt.getTime() - record!.endTime.getTime()).toBe(24 * 3_600_000);
    const expires = Date.parse(done.headers.get('expires')!);
    expect(Math.abs(expires - record!.expiresAt.getTime())).toBeLessThan(1_000);

    // The product spec's audit example: who exported what, how many records, files and bytes.
    const [completion, ...others] = eventsOfJob(await storedAuditEvents(stack, 'done'), jobId).filter(
      (event) => event.subtype[0]!.code === 'export-complete',
    );
    expect(others).toEqual([]);
    expect(completion).toMatchObject({
      id: `${jobId}-export-complete`,
      outcome: '0',
      agent: [{ who: { reference: `Device/${stack.auth.clientId}` }, requestor: true }],
      source: { observer: { display: 'fhir-bulk worker' } },
    });
    expect(completion!.entity[0]!.detail).toEqual([
      { type: 'record-count', valueString: '3' },
      { type: 'file-count', valueString: '3' },
      { type: 'total-bytes', valueString: String(record!.totalSize) },
    ]);

    const alias = await stack.fetch(`${stack.baseUrl}/tenant/done/$bulk-export-status/${jobId}`);
    expect(alias.status).toBe(200);
    expect(alias.headers.get('expires')).toBe(done.headers.get('expires'));
    expect(await alias.json()).toEqual(manifest);
  });

  it('pages the manifest for a client that allowed partial manifests: every file exactly once', async () => {
    await bulkLoad(stack.store, 'paged', patients(5));
    await worker();
    const { statusUrl } = await kickoff(stack, '/tenant/paged/$export?_type=Patient&allowPartialManifests=true');
    const first = await pollUntilDone(statusUrl, stack.fetch);
    expect(first.status).toBe(200);
    const pages: ExportManifest[] = [(await first.json()) as ExportManifest];
    expect(pages[0]!.output).toHaveLength(2);
    expect(pages[0]!.link).toEqual([{ relation: 'next', url: `${statusUrl}?page=2` }]);
    for (let next = pages[0]!.link?.[0]?.url; next; next = pages.at(-1)!.link?.[0]?.url) {
      expect(pages.length).toBeLessThan(5);
      const response = await stack.fetch(next);
      expect(response.status).toBe(200);
      pages.push((await response.json()) as ExportManifest);
    }
    expect(pages.map((p) => p.output.length)).toEqual([2, 2, 1]);
    const urls = pages.flatMap((p) => p.output.map((o) => o.url));
    expect(new Set(urls).size).toBe(5);
    const ids: string[] = [];
    for (const url of urls) {
      const text = await (await stack.fetch(url)).text();
      ids.push(
        ...text
          .trimEnd()
          .split('\n')
          .map((line) => (JSON.parse(line) as { id: string }).id),
      );
    }
    expect(ids.sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });
});

describe('concurrent jobs per tenant', () => {
  it('refuses a second running job of the same tenant with 429, and accepts another tenant', async () => {
    const { hold, release } = await worker();
    hold('limit/plan', 'limit2/plan');
    const first = await kickoff(stack, '/tenant/limit/$export?_type=Patient');
    const ofTenant = `Tenant="limit" AND TaskQueue="${stack.config.TEMPORAL_TASK_QUEUE}"`;
    const running = `${ofTenant} AND ExecutionStatus="Running"`;
    await waitFor(async () => (await stack.client.workflow.count(running)).count === 1, 30_000, 'the job visible');

    const refused = await stack.fetch(`${stack.baseUrl}/tenant/limit/$export?_type=Patient`, {
      headers: { Prefer: 'respond-async' },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await refused.json()) as OperationOutcome;
    expect(body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled' }] });

    const other = await kickoff(stack, '/tenant/limit2/$export?_type=Patient');
    release('limit/plan', 'limit2/plan');
    expect((await pollUntilDone(first.statusUrl, stack.fetch)).status).toBe(200);
    expect((await pollUntilDone(other.statusUrl, stack.fetch)).status).toBe(200);
    // Only the two accepted jobs ever existed for these tenants.
    expect((await stack.client.workflow.count(ofTenant)).count).toBe(1);
  });
});

describe('EXPORT_FILE_ACCESS=presigned', () => {
  let presigned: BulkStack;
  beforeAll(async () => {
    presigned = await startBulkStack({ env: { EXPORT_FILE_ACCESS: 'presigned' } });
  });
  afterAll(() => presigned.stop());

  it('answers with requiresAccessToken false and URLs that download the NDJSON straight from S3', async () => {
    await bulkLoad(presigned.store, 'default', patients(2));
    const { statusUrl, jobId } = await kickoff(presigned, '/$export?_type=Patient');
    const done = await pollUntilDone(statusUrl, presigned.fetch);
    expect(done.status).toBe(200);
    const manifest = (await done.json()) as ExportManifest;
    expect(manifest).toMatchObject({ requiresAccessToken: false, output: [{ type: 'Patient', count: 2 }] });
    const url = manifest.output[0]!.url;
    expect(url.startsWith(`${presigned.config.S3_ENDPOINT}/`)).toBe(true);
    expect(url).not.toContain(presigned.baseUrl);
    // A presigned URL is S3's, signed in its query: it is fetched without an access token.
    const download = await fetch(url);
    expect(download.status).toBe(200);
    const key = `${jobPrefix('default', jobId)}Patient-0-0.ndjson`;
    const text = await download.text();
    expect(text).toBe(await presigned.objects.getText(key));
    expect(text.trimEnd().split('\n')).toHaveLength(2);
  });
});
