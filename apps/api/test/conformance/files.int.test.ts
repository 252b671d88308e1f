import { type BulkStack, fhirClient, refsOf, startBulkStack } from '@fhir-bulk/test-support';
import { CLINIC, type KickoffLevel, LEVELS, seedClinic } from './levels';
import { clientWithScope, type Completed, download, expectOutcome, exportCompleted } from './protocol';

/**
 * Bulk Data Access IG 3.0.0, Bulk Data Output File Request: downloading each file of a manifest, who may, and how it
 * is encoded, at each kick-off level (https://hl7.org/fhir/uv/bulkdata/STU3/export.html#bulk-data-output-file-request).
 * One export per level, of a clinic where o1 was updated (version 2) before it.
 */
let stack: BulkStack;
const exports = new Map<KickoffLevel['name'], Completed>();
beforeAll(async () => {
  stack = await startBulkStack({ env: { EXPORT_MAX_CONCURRENT_PER_TENANT: '100' } });
  const base = await seedClinic(stack, 'files');
  const o1 = { ...CLINIC.find((r) => r.id === 'o1')!, status: 'amended' };
  expect((await fhirClient(`${stack.baseUrl}${base}`, stack.fetch).put('/Observation/o1', o1)).status).toBe(200);
  await Promise.all(
    LEVELS.map(async (level) => exports.set(level.name, await exportCompleted(stack, `${base}${level.path}`))),
  );
});
afterAll(() => stack.stop());

describe.each(LEVELS)('$name level', (level) => {
  const completed = () => exports.get(level.name)!;
  const fileOf = (type: string) => completed().manifest.output.find((entry) => entry.type === type)!;

  it('FI-01 200 OK with Content-Type application/fhir+ndjson (SHALL) for each file, Accept: application/fhir+ndjson', async () => {
    const { manifest } = completed();
    for (const entry of manifest.output) {
      const { response } = await download(stack, manifest, entry);
      expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
    }
  });

  it('FI-02 each line a resource of the file type (SHALL), as many as count, the level scope each once', async () => {
    const { manifest } = completed();
    const refs: string[] = [];
    for (const entry of manifest.output) {
      const { lines } = await download(stack, manifest, entry);
      expect(lines).toHaveLength(entry.count);
      for (const line of lines) expect(line.resourceType).toBe(entry.type);
      refs.push(...refsOf(lines));
    }
    expect(refs.sort()).toEqual(level.scope);
  });

  it('FI-03 only the most recent version of each resource (SHALL)', async () => {
    const { manifest } = completed();
    const { lines } = await download(stack, manifest, fileOf('Observation'));
    expect(lines.filter((r) => r.id === 'o1')).toEqual([
      expect.objectContaining({ status: 'amended', meta: expect.objectContaining({ versionId: '2' }) }),
    ]);
  });

  it('FI-04 requiresAccessToken true: a request without a valid access token is refused with 401 (SHALL)', async () => {
    const { url } = fileOf('Patient');
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { Authorization: 'Bearer not-a-token' } })).status).toBe(401);
  });

  it('FI-05 SHALL need a token with scopes that cover all resources exported: a Patient-only token is refused', async () => {
    await expectOutcome(await clientWithScope(stack, 'system/Patient.read').fetch(fileOf('Observation').url), 403);
  });

  it('FI-06 MAY be limited to the client that started the export: another client gets 404', async () => {
    const other = await stack.registerClient();
    await expectOutcome(await other.http.fetch(fileOf('Patient').url), 404);
  });

  it('FI-07 gzip when the client accepts it, with Content-Encoding (SHALL); uncompressed otherwise', async () => {
    const { url } = fileOf('Observation');
    const plain = await stack.fetch(url, { headers: { 'Accept-Encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const gzipped = await stack.fetch(url, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    // fetch decodes what Content-Encoding names: the same NDJSON either way.
    expect(await gzipped.text()).toBe(await plain.text());
  });
});

describe('requiresAccessToken false (EXPORT_FILE_ACCESS=presigned)', () => {
  let presigned: BulkStack;
  let base = '';
  beforeAll(async () => {
    presigned = await startBulkStack({
      env: { EXPORT_FILE_ACCESS: 'presigned', EXPORT_MAX_CONCURRENT_PER_TENANT: '100' },
    });
    base = await seedClinic(presigned, 'files-presigned');
  });
  afterAll(() => presigned?.stop());

  it.each(LEVELS)(
    'FI-08 $name level: output URLs SHALL be dereferenceable directly, without an access token',
    async (level) => {
      const { manifest } = await exportCompleted(presigned, `${base}${level.path}`);
      expect(manifest.requiresAccessToken).toBe(false);
      const refs: string[] = [];
      for (const entry of manifest.output) {
        const { response, lines } = await download(presigned, manifest, entry); // plain fetch: no token
        expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
        refs.push(...refsOf(lines));
      }
      expect(refs.sort()).toEqual(level.scope);
    },
  );
});
