import { bulkLoad } from '@fhir-bulk/store';
import { type BulkStack, pollUntilDone, startBulkStack } from '@fhir-bulk/test-support';
import { type GatedWorker, startGatedWorker } from '../gated-worker';
import { LEVELS, seedClinic } from './levels';
import { clientWithScope, expectOutcome, kickoff, kickoffAccepted, STATUS_HEADERS } from './protocol';

/**
 * Bulk Data Access IG 3.0.0, Bulk Data Status Request: the in-progress, error and complete responses, rate limits
 * and who may poll, at each kick-off level (https://hl7.org/fhir/uv/bulkdata/STU3/export.html#bulk-data-status-request).
 * A gated worker holds a job in planning, so it is observably in progress.
 */
let stack: BulkStack;
let gated: GatedWorker;
let base = '';
/** A clinic with more resources than the server exports at once (EXPORT_MAX_RESOURCES): its exports fail. */
let tooBig = '';
beforeAll(async () => {
  stack = await startBulkStack({
    env: { EXPORT_MAX_CONCURRENT_PER_TENANT: '100', EXPORT_MAX_RESOURCES: '20' },
    inProcessWorker: false,
  });
  gated = await startGatedWorker(stack);
  base = await seedClinic(stack, 'status');
  tooBig = await seedClinic(stack, 'status-big');
  const more = Array.from({ length: 25 }, (_, i) => ({
    resourceType: 'Observation',
    id: `more-${i}`,
    status: 'final',
    code: { text: 'weight' },
    subject: { reference: 'Patient/p1' },
  }));
  await bulkLoad(stack.store, 'status-big', more);
});
afterAll(async () => {
  await gated?.stop();
  await stack?.stop();
});

const poll = (url: string, send = stack.fetch) => send(url, { headers: STATUS_HEADERS });

/** Retry-After: delay-seconds or an HTTP-date (RFC 9110). */
const RETRY_AFTER = /^(\d+|[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT)$/;

describe.each(LEVELS)('$name level', (level) => {
  it('ST-01 in progress: 202 Accepted, X-Progress under 100 characters (MAY), Retry-After (SHOULD) (#response---in-progress-status)', async () => {
    gated.hold('status/plan');
    const statusUrl = await kickoffAccepted(stack, `${base}${level.path}?_type=Patient`);
    try {
      const response = await poll(statusUrl);
      expect(response.status).toBe(202);
      const progress = response.headers.get('x-progress');
      expect(progress).not.toBeNull();
      expect(progress!.length).toBeLessThan(100);
      expect(response.headers.get('retry-after')).toMatch(RETRY_AFTER);
    } finally {
      gated.release('status/plan');
    }
  });

  it('ST-02 complete: 200 OK, Content-Type application/json, Expires (SHOULD), the manifest (#response---complete-status)', async () => {
    const statusUrl = await kickoffAccepted(stack, `${base}${level.path}?_type=Patient`);
    const response = await pollUntilDone(statusUrl, poll);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const expires = Date.parse(response.headers.get('expires') ?? '');
    expect(expires).toBeGreaterThan(Date.now());
    expect(await response.json()).toEqual(
      expect.objectContaining({
        transactionTime: expect.any(String),
        request: expect.any(String),
        output: expect.any(Array),
      }),
    );
  });

  it('ST-03 failed: 4XX or 5XX with Content-Type application/fhir+json and an OperationOutcome (SHOULD) (#response---error-status-1)', async () => {
    const statusUrl = await kickoffAccepted(stack, `${tooBig}${level.path}`);
    const outcome = await expectOutcome(await pollUntilDone(statusUrl, poll));
    expect(outcome.issue[0]?.diagnostics).toMatch(/allows at most 20/);
  });
});

describe.each(LEVELS)('$name level: who may poll (#privacy-and-security-considerations)', (level) => {
  let statusUrl = '';
  beforeAll(async () => {
    statusUrl = await kickoffAccepted(stack, `${base}${level.path}?_type=Patient,Observation`);
    expect((await pollUntilDone(statusUrl, poll)).status).toBe(200);
  });

  it('ST-04 SHALL be protected the same way as the kick-off: no access token is a 401', async () => {
    const response = await poll(statusUrl, fetch);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it("ST-05 SHALL need a token with scopes that cover all resources being exported: the owner's token for Patient alone is refused", async () => {
    await expectOutcome(await poll(statusUrl, clientWithScope(stack, 'system/Patient.read').fetch), 403);
  });

  it('ST-06 MAY be limited to the client that started the export: another client gets 404', async () => {
    const other = await stack.registerClient();
    await expectOutcome(await poll(statusUrl, other.http.fetch), 404);
  });
});

it('ST-07 a status URL of no export: 404 with an OperationOutcome', async () => {
  await expectOutcome(await poll(`${stack.baseUrl}${base}/_export/00000000-0000-4000-8000-000000000000`), 404);
});

describe('rate limits (#bulk-data-status-request, #response---error-eg-unsupported-search-parameter)', () => {
  let throttled: BulkStack;
  beforeAll(async () => {
    // No worker: jobs stay in progress. One running export per tenant, one poll per job a minute.
    throttled = await startBulkStack({
      env: { EXPORT_MAX_CONCURRENT_PER_TENANT: '1', JOB_STATUS_MIN_INTERVAL_SECONDS: '60' },
      inProcessWorker: false,
    });
  });
  afterAll(() => throttled?.stop());

  describe.each(LEVELS)('$name level', (level) => {
    let statusUrl = '';
    let tenantBase = '';
    beforeAll(async () => {
      tenantBase = await seedClinic(throttled, `throttled-${level.name.toLowerCase()}`);
      statusUrl = await kickoffAccepted(throttled, `${tenantBase}${level.path}`);
    });

    it('ST-08 polled too often: 429 Too Many Requests with Retry-After (SHOULD) and an OperationOutcome', async () => {
      const first = await poll(statusUrl, throttled.fetch);
      expect(first.status).toBe(202);
      expect(first.headers.get('retry-after')).toBe('60');
      const again = await poll(statusUrl, throttled.fetch);
      expect(again.headers.get('retry-after')).toMatch(RETRY_AFTER);
      const outcome = await expectOutcome(again, 429);
      expect(outcome.issue[0]?.code).toBe('throttled');
    });

    it('ST-09 a new kick-off while an export is in progress: 429 with Retry-After (SHOULD)', async () => {
      const refused = await kickoff(throttled, `${tenantBase}${level.path}`);
      expect(refused.headers.get('retry-after')).toMatch(RETRY_AFTER);
      await expectOutcome(refused, 429);
    });
  });
});
