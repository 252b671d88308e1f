import type { ExportManifest } from '@fhir-bulk/export';
import { type BulkStack, pollUntilDone, startBulkStack } from '@fhir-bulk/test-support';
import { type GatedWorker, startGatedWorker } from '../gated-worker';
import { LEVELS, seedClinic } from './levels';
import { expectOutcome, kickoffAccepted, STATUS_HEADERS } from './protocol';

/**
 * Bulk Data Access IG 3.0.0, Bulk Data Delete Request: cancelling an export in progress, and a completed one, at each
 * kick-off level (https://hl7.org/fhir/uv/bulkdata/STU3/export.html#bulk-data-delete-request). A gated worker holds
 * jobs in planning, so the first DELETE finds them in progress.
 */
let stack: BulkStack;
let gated: GatedWorker;
let base = '';
/** A clinic whose exports are not held: they complete. */
let unheld = '';
beforeAll(async () => {
  // A short heartbeat timeout: a held activity hears of the cancellation with its next heartbeat.
  stack = await startBulkStack({
    env: { EXPORT_MAX_CONCURRENT_PER_TENANT: '100', EXPORT_HEARTBEAT_TIMEOUT_SECONDS: '2' },
    inProcessWorker: false,
  });
  gated = await startGatedWorker(stack);
  base = await seedClinic(stack, 'cancel');
  unheld = await seedClinic(stack, 'cancel-completed');
});
afterAll(async () => {
  await gated?.stop();
  await stack?.stop();
});

const cancel = (statusUrl: string) =>
  stack.fetch(statusUrl, { method: 'DELETE', headers: { Accept: 'application/fhir+json' } });
const poll = (statusUrl: string) => stack.fetch(statusUrl, { headers: STATUS_HEADERS });

/** The success response: 202 Accepted, optionally with an OperationOutcome in JSON. */
async function expectCancelled(response: Response) {
  const body = await response.text();
  expect({ status: response.status, body }).toEqual({ status: 202, body: expect.any(String) });
  if (body !== '') expect(JSON.parse(body)).toMatchObject({ resourceType: 'OperationOutcome' });
}

describe.each(LEVELS)('$name level', (level) => {
  let statusUrl = '';
  beforeAll(async () => {
    gated.hold('cancel/plan');
    statusUrl = await kickoffAccepted(stack, `${base}${level.path}`);
    expect((await poll(statusUrl)).status).toBe(202);
  });
  afterAll(() => gated.release('cancel/plan'));

  it('CA-01 DELETE of an export in progress: 202 Accepted (#response---success-1)', async () => {
    await expectCancelled(await cancel(statusUrl));
  });

  it('CA-02 the status request after it: 404 Not Found with an OperationOutcome (SHALL)', async () => {
    await expectOutcome(await poll(statusUrl), 404);
  });

  it('CA-03 a second DELETE: 4XX with an OperationOutcome body (SHALL) (#response---error-status)', async () => {
    await expectOutcome(await cancel(statusUrl), 404);
  });

  it('CA-04 DELETE of a completed export: 202, then status 404 (SHALL) and its files removed (MAY)', async () => {
    const done = await kickoffAccepted(stack, `${unheld}${level.path}?_type=Patient`);
    const response = await pollUntilDone(done, stack.fetch);
    expect(response.status).toBe(200);
    const manifest = (await response.json()) as ExportManifest;
    expect((await stack.fetch(manifest.output[0]!.url)).status).toBe(200);
    await expectCancelled(await cancel(done));
    await expectOutcome(await poll(done), 404);
    await expectOutcome(await stack.fetch(manifest.output[0]!.url), 404);
  });
});

it('CA-05 DELETE of a status URL of no export: 404 with an OperationOutcome', async () => {
  await expectOutcome(await cancel(`${stack.baseUrl}${base}/_export/00000000-0000-4000-8000-000000000000`), 404);
});
