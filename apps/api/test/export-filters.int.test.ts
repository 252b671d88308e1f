import { SUBSETTED } from '@fhir-bulk/export';
import type { FhirResource } from '@fhir-bulk/fhir';
import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  exactlyOnce,
  exportAndWait,
  exportedResourceCounts,
  instantBetweenWrites,
  refsOf,
  startBulkStack,
} from '@fhir-bulk/test-support';

// $export filters (FHIR Bulk Data Access IG 3.0.0) end to end, under both scan strategies the worker has:
// - storage: FerretDB's default; each type is one partition read in storage order, conditions evaluated by the
//   worker (sift);
// - key: MongoDB's; the database evaluates the conditions over key ranges, and a small partition size splits a
//   type into several partitions, whose files must together hold every resource exactly once.
const observation = (id: string, code: string, status = 'final') => ({
  resourceType: 'Observation',
  id,
  status,
  code: { coding: [{ system: 'http://example.org', code }] },
  subject: { reference: 'Patient/p1' },
  valueQuantity: { value: 7, unit: 'mg' },
  note: [{ text: 'not kept by _elements' }],
});

const patient = (id: string) => ({
  resourceType: 'Patient',
  id,
  gender: 'female',
  birthDate: '1970-01-01',
  name: [{ family: id }],
});

const partitionOf = (url: string) => /\/[A-Za-z]+-(\d+)-\d+\.ndjson$/.exec(url)?.[1];

const strategies: Array<{ scan: 'storage' | 'key'; env: Record<string, string> }> = [
  { scan: 'storage', env: { EXPORT_SCAN: 'storage' } },
  { scan: 'key', env: { EXPORT_SCAN: 'key', EXPORT_PARTITION_SIZE: '7' } },
];

describe.each(strategies)('with EXPORT_SCAN=$scan', ({ scan, env }) => {
  let stack: BulkStack;
  beforeAll(async () => {
    stack = await startBulkStack({ env });
  });
  afterAll(() => stack.stop());

  let tenantCount = 0;
  const newTenant = () => `filters-${scan}-${tenantCount++}`;
  const write = (tenant: string, resource: FhirResource & { id: string }) => stack.store.write(tenant, resource);

  describe('_since and _until', () => {
    const tenant = newTenant();
    const window: Record<string, string> = {};
    beforeAll(async () => {
      await write(tenant, observation('old-1', 'a'));
      await write(tenant, observation('old-2', 'a'));
      window.t1 = await instantBetweenWrites();
      await write(tenant, observation('new-1', 'a'));
      await write(tenant, observation('old-1', 'a', 'amended')); // an update after t1
      window.t2 = await instantBetweenWrites();
      await write(tenant, observation('new-2', 'a'));
    });

    it.each([
      ['_since=t1', ['old-1', 'new-1', 'new-2']],
      ['_since=t1&_until=t2', ['old-1', 'new-1']],
      // Only current versions are exported: old-1 was last updated after t1, so it is not in the export to t1.
      ['_until=t1', ['old-2']],
    ])('%s exports the resources last updated in the window', async (query, ids) => {
      const params = query.replace(/t\d/g, (name) => encodeURIComponent(window[name]!));
      const { output } = await exportAndWait(stack, `/tenant/${tenant}/$export?_type=Observation&${params}`);
      expect(refsOf(output)).toEqual(ids.map((id) => `Observation/${id}`).sort());
      if (ids.includes('old-1')) {
        expect(output.find((r) => r.id === 'old-1')).toMatchObject({ status: 'amended', meta: { versionId: '2' } });
      }
    });
  });

  it('_typeFilter: ORs the queries given for one type, and leaves other types unfiltered', async () => {
    const tenant = newTenant();
    // 30 Observations: codes a, b, c in turn; even ones final, odd ones amended.
    const observations = Array.from({ length: 30 }, (_, i) =>
      observation(`obs-${String(i).padStart(2, '0')}`, 'abc'[i % 3]!, i % 2 ? 'amended' : 'final'),
    );
    await bulkLoad(stack.store, tenant, [...observations, patient('p1'), patient('p2')]);
    const queries = ['Observation?code=http://example.org|a', 'Observation?code=c&status=final'];
    const typeFilter = queries.map((q) => `_typeFilter=${encodeURIComponent(q)}`).join('&');
    const { manifest, output, jobId } = await exportAndWait(
      stack,
      `/tenant/${tenant}/$export?_type=Observation,Patient&${typeFilter}`,
    );

    const expected = observations
      .filter((o, i) => o.code.coding[0]!.code === 'a' || (o.code.coding[0]!.code === 'c' && i % 2 === 0))
      .map((o) => `Observation/${o.id}`)
      .concat('Patient/p1', 'Patient/p2');
    expect(expected).toHaveLength(10 + 5 + 2);
    expect(refsOf(output)).toEqual(expected.sort());
    expect(exactlyOnce(await exportedResourceCounts(stack.objects, tenant, jobId), expected)).toEqual({
      duplicated: [],
      missing: [],
      unexpected: [],
    });
    const partitions = new Set(manifest.output.filter((o) => o.type === 'Observation').map((o) => partitionOf(o.url)));
    if (scan === 'key') {
      expect(partitions.size).toBeGreaterThan(1); // 15 matches at 7 per partition
    } else {
      expect([...partitions]).toEqual(['0']);
    }
  });

  it('_typeFilter: compares dates as FHIR search does, leaving out resources without one', async () => {
    const tenant = newTenant();
    const dated = (id: string, effectiveDateTime?: string) => ({
      ...observation(id, 'a'),
      ...(effectiveDateTime ? { effectiveDateTime } : {}),
    });
    await bulkLoad(stack.store, tenant, [
      dated('in-2019', '2019-06-01'),
      dated('in-2021', '2021-06-01T10:00:00+02:00'),
      dated('on-2020', '2020-01-01'),
      dated('undated'),
    ]);
    const typeFilter = encodeURIComponent('Observation?date=ge2020-01-01');
    const { output } = await exportAndWait(
      stack,
      `/tenant/${tenant}/$export?_type=Observation&_typeFilter=${typeFilter}`,
    );
    expect(refsOf(output)).toEqual(['Observation/in-2021', 'Observation/on-2020']);
  });

  it('_elements: keeps the elements asked for and the mandatory ones, tagged SUBSETTED', async () => {
    const tenant = newTenant();
    await bulkLoad(stack.store, tenant, [patient('p1'), observation('o1', 'a')]);
    const { output } = await exportAndWait(
      stack,
      `/tenant/${tenant}/$export?_type=Patient,Observation&_elements=Patient.gender,valueQuantity`,
    );
    const byType = Object.fromEntries(output.map((r) => [r.resourceType, r]));
    // valueQuantity, asked for every type, is kept where it exists; Observation.status and code are mandatory.
    expect(Object.keys(byType.Patient!).sort()).toEqual(['gender', 'id', 'meta', 'resourceType']);
    expect(Object.keys(byType.Observation!).sort()).toEqual([
      'code',
      'id',
      'meta',
      'resourceType',
      'status',
      'valueQuantity',
    ]);
    for (const resource of output) {
      expect(resource.meta).toMatchObject({ versionId: '1', tag: [SUBSETTED] });
    }
  });

  describe('deleted resources', () => {
    const tenant = newTenant();
    let since = '';
    beforeAll(async () => {
      for (const id of ['d1', 'd2', 'd3', 'd4']) await write(tenant, observation(id, 'a'));
      await stack.store.delete(tenant, 'Observation', 'd2');
      since = await instantBetweenWrites();
      await stack.store.delete(tenant, 'Observation', 'd1');
      await write(tenant, observation('d3', 'b'));
    });

    const deletion = (id: string) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'DELETE', url: `Observation/${id}` }, response: expect.anything() }],
    });

    it.each([
      ['_since', () => `_since=${encodeURIComponent(since)}`, ['d1'], ['d3']],
      ['includeAssociatedData=_deleted', () => 'includeAssociatedData=_deleted', ['d1', 'd2'], ['d3', 'd4']],
    ])('%s lists deletions as transaction Bundles in the deleted files', async (_name, query, gone, kept) => {
      const { manifest, output, deleted } = await exportAndWait(
        stack,
        `/tenant/${tenant}/$export?_type=Observation&${query()}`,
      );
      expect(refsOf(output)).toEqual(kept.map((id) => `Observation/${id}`));
      expect(manifest.deleted).toEqual([
        { type: 'Bundle', url: expect.stringMatching(/\/Observation-deleted-0-0\.ndjson$/), count: gone.length },
      ]);
      const urlOf = (bundle: object) => JSON.stringify((bundle as { entry: unknown[] }).entry[0]);
      expect([...deleted].sort((a, b) => urlOf(a).localeCompare(urlOf(b)))).toEqual(gone.map(deletion));
    });
  });

  it.each([
    ['an unknown parameter', '_foo=bar', '_foo', 'Parameter _foo is not supported'],
    // The filter cannot run, so the type is exported unfiltered: more than asked, never silently less.
    ['a _typeFilter it cannot run', `_typeFilter=${encodeURIComponent('Patient?foo=bar')}`, '_typeFilter', 'foo'],
  ])(
    'Prefer: handling=lenient skips %s, names it in an error file, and exports the rest',
    async (_what, query, name, text) => {
      const tenant = newTenant();
      await bulkLoad(stack.store, tenant, [patient('p1'), patient('p2')]);
      const lenient = { prefer: 'respond-async, handling=lenient' };
      const path = `/tenant/${tenant}/$export?_type=Patient&${query}`;
      const { manifest, output, error } = await exportAndWait(stack, path, lenient);
      expect(refsOf(output)).toEqual(['Patient/p1', 'Patient/p2']);
      expect(manifest.error).toEqual([
        { type: 'OperationOutcome', url: expect.stringMatching(/\/OperationOutcome-0-0\.ndjson$/), count: 1 },
      ]);
      expect(error).toEqual([
        {
          resourceType: 'OperationOutcome',
          issue: [expect.objectContaining({ code: 'not-supported', expression: [name] })],
        },
      ]);
      expect(JSON.stringify(error)).toContain(text);
    },
  );
});
