import { bulkLoad } from '@fhir-bulk/store';
import { type BulkStack, exportAndWait, refsOf, startBulkStack } from '@fhir-bulk/test-support';

// Output files roll over at a record limit per type and at a byte limit, whichever comes first; names count up
// within the partition (Type-0-0, Type-0-1, …) and every resource lands in exactly one file.
const MAX_BYTES = 4096;
let stack: BulkStack;
beforeAll(async () => {
  stack = await startBulkStack({
    env: { EXPORT_FILE_MAX_RECORDS: 'Patient=10', EXPORT_FILE_MAX_BYTES: String(MAX_BYTES) },
  });
});
afterAll(() => stack.stop());

const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);

it('rolls Patient files over every EXPORT_FILE_MAX_RECORDS resources', async () => {
  const patients = ids('p', 25).map((id) => ({ resourceType: 'Patient', id }));
  await bulkLoad(stack.store, 'records', patients);
  const { manifest, files, output } = await exportAndWait(stack, '/tenant/records/$export?_type=Patient');
  expect(manifest.output.map(({ url, count }) => [url.split('/').pop(), count])).toEqual([
    ['Patient-0-0.ndjson', 10],
    ['Patient-0-1.ndjson', 10],
    ['Patient-0-2.ndjson', 5],
  ]);
  expect(Object.values(files).map((lines) => lines.length)).toEqual([10, 10, 5]);
  expect(refsOf(output)).toEqual(refsOf(patients));
});

it('rolls files over before they would pass EXPORT_FILE_MAX_BYTES', async () => {
  // About 1 KiB each: three fit in a file, a fourth would not.
  const observations = ids('o', 10).map((id) => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { text: 'x'.repeat(1000) },
  }));
  await bulkLoad(stack.store, 'bytes', observations);
  const { manifest, jobId, output } = await exportAndWait(stack, '/tenant/bytes/$export?_type=Observation');
  expect(refsOf(output)).toEqual(refsOf(observations));
  const names = manifest.output.map(({ url }) => url.split('/').pop()!);
  expect(names).toEqual(names.map((_, seq) => `Observation-0-${seq}.ndjson`));
  expect(names.length).toBeGreaterThan(2);
  // Read the bytes in S3: each file is within the limit, and the next file's first line would have broken it.
  const bytes = await Promise.all(names.map((name) => stack.objects.getText(`bytes/export/${jobId}/${name}`)));
  bytes.forEach((text, seq) => {
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_BYTES);
    const next = bytes[seq + 1]?.split('\n')[0];
    if (next !== undefined) expect(Buffer.byteLength(text) + Buffer.byteLength(next) + 1).toBeGreaterThan(MAX_BYTES);
  });
});
