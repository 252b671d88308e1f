import { connectTestServices, type TestServices } from '@fhir-bulk/test-support';
import { bulkLoad, ResourceStore } from '../src';

let services: TestServices;
beforeAll(async () => {
  services = await connectTestServices();
});
afterAll(() => services.close());

const patients = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ resourceType: 'Patient', id: `${prefix}${String(i).padStart(4, '0')}` }));

async function ids(cursor: AsyncIterable<{ id: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const doc of cursor) out.push(doc.id);
  return out;
}

describe('ResourceStore on FerretDB', () => {
  it('upserts resources with version and lastUpdated set by the store', async () => {
    const clock = new Date('2026-03-01T10:00:00.000Z');
    const store = new ResourceStore(services.mongo.db(services.config.MONGODB_DB), () => clock);
    await bulkLoad(store, 't-meta', [{ resourceType: 'Patient', id: 'a', meta: { versionId: '9' } }]);
    const doc = await store.read('t-meta', 'Patient', 'a');
    expect(doc).toMatchObject({ tenant: 't-meta', id: 'a', versionId: 1, deleted: false, lastUpdated: clock });
    expect(doc?.resource.meta).toEqual({ versionId: '1', lastUpdated: '2026-03-01T10:00:00.000Z' });
  });

  it('streams one tenant in key order and never another tenant', async () => {
    await bulkLoad(services.store, 't-a', patients('a', 30));
    await bulkLoad(services.store, 't-a2', patients('x', 5)); // a tenant whose name extends t-a
    await bulkLoad(services.store, 't-b', patients('b', 7));
    const streamed = await ids(services.store.streamCurrent('t-a', 'Patient', { batchSize: 4 }));
    expect(streamed).toEqual(patients('a', 30).map((p) => p.id));
    expect(await services.store.countCurrent('t-b', 'Patient')).toBe(7);
  });

  it('resumes strictly after a key', async () => {
    const streamed = await ids(services.store.streamCurrent('t-a', 'Patient', { afterKey: 't-a/a0009' }));
    expect(streamed[0]).toBe('a0010');
    expect(streamed).toHaveLength(20);
  });

  it('leaves out what was updated after the cut-off', async () => {
    const later = new ResourceStore(services.mongo.db(services.config.MONGODB_DB), () => new Date('2100-01-01'));
    await bulkLoad(later, 't-until', patients('u', 2));
    await bulkLoad(services.store, 't-until', patients('v', 3));
    const streamed = await ids(services.store.streamCurrent('t-until', 'Patient', { until: new Date() }));
    expect(streamed).toEqual(['v0000', 'v0001', 'v0002']);
  });

  it('keeps in a tombstone the compartments of the version it deletes, and streams it only as a tombstone', async () => {
    const observation = { resourceType: 'Observation', id: 'o', subject: { reference: 'Patient/p' } };
    await services.store.write('t-deleted', observation);
    await services.store.delete('t-deleted', 'Observation', 'o');
    const tombstone = await services.store.read('t-deleted', 'Observation', 'o');
    expect(tombstone).toMatchObject({ deleted: true, compartments: ['Patient/p'] });
    expect(await ids(services.store.streamCurrent('t-deleted', 'Observation'))).toEqual([]);
    expect(await ids(services.store.streamCurrent('t-deleted', 'Observation', { tombstones: true }))).toEqual(['o']);
  });

  it("answers a resource's current compartments, and none for a deleted, absent or other tenant's one", async () => {
    const observation = (id: string, patient: string) => ({
      resourceType: 'Observation',
      id,
      subject: { reference: `Patient/${patient}` },
    });
    await bulkLoad(services.store, 't-targets', [observation('moved', 'p1'), observation('gone', 'p1')]);
    await services.store.write('t-targets', observation('moved', 'p2'));
    await services.store.delete('t-targets', 'Observation', 'gone');
    expect(await services.store.compartmentsOf('t-targets', 'Observation', 'moved')).toEqual(['Patient/p2']);
    expect(await services.store.compartmentsOf('t-targets', 'Observation', 'gone')).toEqual([]);
    expect(await services.store.compartmentsOf('t-targets', 'Observation', 'never')).toEqual([]);
    expect(await services.store.compartmentsOf('t-other', 'Observation', 'moved')).toEqual([]);
  });

  it('replaces a resource written twice instead of duplicating it', async () => {
    await bulkLoad(services.store, 't-twice', patients('p', 3));
    await bulkLoad(services.store, 't-twice', patients('p', 3));
    expect(await services.store.countCurrent('t-twice', 'Patient')).toBe(3);
  });

  it('reads a resource by _id through the _id index, not by scanning the collection', async () => {
    await bulkLoad(services.store, 't-plan', patients('p', 50));
    const plan = (await services.store.collection('t-plan', 'Patient').find({ _id: 't-plan/p0007' }).explain()) as {
      queryPlanner?: { Plan?: string[] };
    };
    // FerretDB's SQLite plan (infra/build-servers.sh fixes the lookup so it matches the index's expression).
    expect(plan.queryPlanner?.Plan?.join(' ')).toMatch(/SEARCH .* USING INDEX .*__id_/);
  });

  it('sets aside a resource the database refuses and writes the rest of its batch', async () => {
    // Stored as text, any JSON fits except past the 16 MB document limit (validation and import line limits refuse
    // such resources long before this); the store must still not fail a batch for one document.
    const refused = { resourceType: 'Patient', id: 'nested', text: { div: 'x'.repeat(17 * 1024 * 1024) } } as never;
    const result = await bulkLoad(services.store, 't-refused', [...patients('ok', 3), refused, ...patients('more', 2)]);
    expect(result.created).toBe(5);
    expect(result.unstorable).toEqual([
      { resource: refused, reason: expect.stringContaining('the database refused it') as string },
    ]);
    expect(await services.store.countCurrent('t-refused', 'Patient')).toBe(5);
    expect(await services.store.read('t-refused', 'Patient', 'nested')).toBeNull();
  });
});
