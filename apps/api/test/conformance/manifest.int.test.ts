import type { ExportManifest } from '@fhir-bulk/export';
import {
  type BulkStack,
  fhirClient,
  instantBetweenWrites,
  pollUntilDone,
  refsOf,
  startBulkStack,
} from '@fhir-bulk/test-support';
import { type GatedWorker, startGatedWorker } from '../gated-worker';
import { type KickoffLevel, LEVELS, seedClinic } from './levels';
import { download, exportCompleted, FHIR_INSTANT, kickoffAccepted, linesOf } from './protocol';

/**
 * Bulk Data Access IG 3.0.0, Response - Output Manifest: each field of the complete status body, `deleted` and
 * `error`, at each kick-off level (https://hl7.org/fhir/uv/bulkdata/STU3/export.html#response---output-manifest).
 */
let stack: BulkStack;
let gated: GatedWorker;
let base = '';
/** A clinic where o1 (p1's) and o4 (p3's, outside the Group) were deleted after `deletedAfter`. */
let deletions = '';
let deletedAfter = '';
beforeAll(async () => {
  stack = await startBulkStack({ env: { EXPORT_MAX_CONCURRENT_PER_TENANT: '100' }, inProcessWorker: false });
  gated = await startGatedWorker(stack);
  base = await seedClinic(stack, 'manifest');
  deletions = await seedClinic(stack, 'manifest-deleted');
  deletedAfter = await instantBetweenWrites();
  const rest = fhirClient(`${stack.baseUrl}${deletions}`, stack.fetch);
  for (const id of ['o1', 'o4']) expect((await rest.delete(`/Observation/${id}`)).status).toBeLessThan(300);
});
afterAll(async () => {
  await gated?.stop();
  await stack?.stop();
});

/** The refs of the deleted Observations an export at `level` covers. */
const deletedAt = (level: KickoffLevel) =>
  ['Observation/o1', 'Observation/o4'].filter((ref) => level.scope.includes(ref));

describe.each(LEVELS)('$name level', (level) => {
  it('MF-01 transactionTime (required): a FHIR instant, the time the server ran the request', async () => {
    const { manifest, sentAt, doneAt } = await exportCompleted(stack, `${base}${level.path}?_type=Patient`);
    expect(manifest.transactionTime).toMatch(FHIR_INSTANT);
    expect(Date.parse(manifest.transactionTime)).toBeGreaterThanOrEqual(sentAt - 1_000);
    expect(Date.parse(manifest.transactionTime)).toBeLessThanOrEqual(doneAt);
  });

  it('MF-02 transactionTime: SHALL include resources modified up to it, SHOULD NOT include any modified after it', async () => {
    const tenant = `manifest-late-${level.name.toLowerCase()}`;
    const tenantBase = await seedClinic(stack, tenant);
    gated.hold(`${tenant}/plan`);
    const statusUrl = await kickoffAccepted(stack, `${tenantBase}${level.path}`);
    const late = {
      resourceType: 'Observation',
      id: 'late',
      status: 'final',
      code: {},
      subject: { reference: 'Patient/p1' },
    };
    expect((await fhirClient(`${stack.baseUrl}${tenantBase}`, stack.fetch).put('/Observation/late', late)).status).toBe(
      201,
    );
    gated.release(`${tenant}/plan`);
    const manifest = (await (await pollUntilDone(statusUrl, stack.fetch)).json()) as ExportManifest;
    expect(refsOf(await linesOf(stack, manifest, manifest.output))).toEqual(level.scope);
  });

  it('MF-03 request (required): the full URL of the kick-off; of a POST, without its parameters', async () => {
    const path = `${base}${level.path}?_type=Patient&_since=2000-01-01T00:00:00Z`;
    expect((await exportCompleted(stack, path)).manifest.request).toBe(`${stack.baseUrl}${path}`);
    const parameters = [{ name: '_type', valueString: 'Patient' }];
    const posted = await exportCompleted(stack, `${base}${level.path}`, { parameters });
    expect(posted.manifest.request).toBe(`${stack.baseUrl}${base}${level.path}`);
  });

  it('MF-04 requiresAccessToken (required): true, since files and API both take OAuth 2.0 bearer tokens (SHALL)', async () => {
    expect((await exportCompleted(stack, `${base}${level.path}?_type=Patient`)).manifest.requiresAccessToken).toBe(
      true,
    );
  });

  it('MF-05 output (required): one item per file with type (SHALL without organizeOutputBy), absolute url (SHALL), count; no outputOrganizedBy', async () => {
    const { manifest } = await exportCompleted(stack, `${base}${level.path}`);
    expect(manifest.output.length).toBeGreaterThan(0);
    for (const entry of manifest.output) {
      expect(entry).toEqual({
        type: expect.any(String),
        url: expect.stringMatching(/^https?:\/\//),
        count: expect.any(Number),
      });
    }
    expect(new Set(manifest.output.map((entry) => entry.url)).size).toBe(manifest.output.length);
    expect(manifest).not.toHaveProperty('outputOrganizedBy');
  });

  it('MF-06 error (required): an empty array when there is nothing to report (SHOULD); deleted absent or empty without _since (MAY)', async () => {
    const { manifest } = await exportCompleted(stack, `${base}${level.path}?_type=Patient`);
    expect(manifest.error).toEqual([]);
    expect(manifest.deleted ?? []).toEqual([]);
  });

  it('MF-07 error under Prefer: handling=lenient: an OperationOutcome per unsupported parameter (SHOULD), in NDJSON files (SHALL)', async () => {
    const headers = { Accept: 'application/fhir+json', Prefer: 'respond-async, handling=lenient' };
    const { manifest } = await exportCompleted(stack, `${base}${level.path}?_type=Patient&_foo=bar`, { headers });
    expect(refsOf(await linesOf(stack, manifest, manifest.output))).toEqual(
      level.scope.filter((r) => r.startsWith('Patient/')),
    );
    expect(manifest.error).toEqual([
      { type: 'OperationOutcome', url: expect.stringMatching(/^https?:\/\//), count: 1 },
    ]);
    const { response, lines } = await download(stack, manifest, manifest.error[0]!);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
    expect(lines).toEqual([
      { resourceType: 'OperationOutcome', issue: [expect.objectContaining({ expression: ['_foo'] })] },
    ]);
  });

  describe('deleted (#response---output-manifest)', () => {
    it('MF-08 with _since: deletions since then (SHOULD), each line a transaction Bundle of DELETE entries (SHALL), never also in output (SHALL NOT)', async () => {
      const path = `${deletions}${level.path}?_type=Observation&_since=${encodeURIComponent(deletedAfter)}`;
      const { manifest } = await exportCompleted(stack, path);
      expect(await linesOf(stack, manifest, manifest.output)).toEqual([]);
      // "following the same structure as the output array": type is the resource type in the file, Bundle.
      for (const entry of manifest.deleted) {
        expect(entry).toEqual({
          type: 'Bundle',
          url: expect.stringMatching(/^https?:\/\//),
          count: expect.any(Number),
        });
      }
      const bundles = await linesOf(stack, manifest, manifest.deleted);
      for (const bundle of bundles) expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
      const entries = bundles.flatMap((b) => b.entry as Array<{ request: { method: string; url: string } }>);
      for (const { request } of entries) expect(request.method).toBe('DELETE');
      expect(entries.map(({ request }) => request.url).sort()).toEqual(deletedAt(level));
    });

    it('MF-09 includeAssociatedData=_deleted (a custom value): every deletion, without _since', async () => {
      const { manifest } = await exportCompleted(
        stack,
        `${deletions}${level.path}?_type=Observation&includeAssociatedData=_deleted`,
      );
      const output = refsOf(await linesOf(stack, manifest, manifest.output));
      const gone = (await linesOf(stack, manifest, manifest.deleted)).flatMap((b) =>
        (b.entry as Array<{ request: { url: string } }>).map((e) => e.request.url),
      );
      expect(gone.sort()).toEqual(deletedAt(level));
      expect(output).toEqual(level.scope.filter((r) => r.startsWith('Observation/') && !gone.includes(r)));
    });
  });
});
