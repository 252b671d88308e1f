import type { FhirResource } from '@fhir-bulk/fhir';
import { connectTestServices, type TestServices } from '@fhir-bulk/test-support';
import { bulkLoad, documentKey, type ResourceStore } from '../src';

let services: TestServices;
let store: ResourceStore;
beforeAll(async () => {
  services = await connectTestServices();
  store = services.store;
});
afterAll(() => services.close());

const observations = (tenant: string, n: number, value = 1): FhirResource[] =>
  Array.from({ length: n }, (_, i) => ({
    resourceType: 'Observation',
    id: `${tenant}-${i}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    valueQuantity: { value, unit: '/min' },
  }));

async function versions(tenant: string, resources: FhirResource[]): Promise<number[]> {
  const docs = await Promise.all(resources.map((r) => store.read(tenant, r.resourceType, r.id!)));
  return docs.map((doc) => doc?.versionId ?? 0);
}

const historyCount = (tenant: string) => store.history(tenant, 'Observation').countDocuments({});

/** A document as stored before content hashes existed. */
async function dropHashes(tenant: string, resources: FhirResource[]): Promise<void> {
  for (const { id } of resources) {
    await store
      .collection(tenant, 'Observation')
      .updateOne({ _id: documentKey(tenant, id!) }, { $unset: { contentHash: '' } });
  }
}

describe('bulkLoad of resources that already exist', () => {
  it('adds no version when nothing changed, whether it inserts first or (after a mostly stored batch) reads first', async () => {
    const tenant = 'same';
    const loaded = observations(tenant, 40);
    await bulkLoad(store, tenant, loaded);
    for (let reload = 0; reload < 2; reload++) {
      const again = await bulkLoad(store, tenant, observations(tenant, 40));
      expect(again).toEqual({ created: 0, updated: 0, unchanged: 40, rejected: [], unstorable: [] });
    }
    expect(await versions(tenant, loaded)).toEqual(loaded.map(() => 1));
    expect(await historyCount(tenant)).toBe(0);
  });

  it('adds exactly one version to each changed resource, creates the new ones and leaves the rest', async () => {
    const tenant = 'changed';
    await bulkLoad(store, tenant, observations(tenant, 40));
    const reload = observations(tenant, 40).map((r, i) => (i % 10 === 3 ? observations(tenant, 40, 2)[i]! : r));
    const extra = { resourceType: 'Observation', id: `${tenant}-new`, status: 'final' } as FhirResource;
    const result = await bulkLoad(store, tenant, [...reload, extra]);
    expect(result).toMatchObject({ created: 1, updated: 4, unchanged: 36 });
    expect(await versions(tenant, reload)).toEqual(reload.map((_, i) => (i % 10 === 3 ? 2 : 1)));
    expect(await historyCount(tenant)).toBe(4);
    expect((await store.read(tenant, 'Observation', `${tenant}-3`))?.resource).toMatchObject({
      valueQuantity: { value: 2 },
    });
    // The same changed content again: settled by the new version's hash, no third version.
    expect(await bulkLoad(store, tenant, [...reload, extra])).toMatchObject({ updated: 0, unchanged: 41 });
  });

  it('compares by content the documents stored without a hash', async () => {
    const tenant = 'unhashed';
    const loaded = observations(tenant, 20);
    await bulkLoad(store, tenant, loaded);
    await dropHashes(tenant, loaded);
    expect(await bulkLoad(store, tenant, loaded)).toMatchObject({ created: 0, updated: 0, unchanged: 20 });
    const changed = loaded.map((r, i) => (i === 7 ? observations(tenant, 20, 3)[i]! : r));
    expect(await bulkLoad(store, tenant, changed)).toMatchObject({ updated: 1, unchanged: 19 });
    expect(await versions(tenant, loaded)).toEqual(loaded.map((_, i) => (i === 7 ? 2 : 1)));
    expect((await store.read(tenant, 'Observation', `${tenant}-7`))?.contentHash).toEqual(expect.any(String));
  });

  it('recognises the same content whatever the order of its keys', async () => {
    const tenant = 'reordered';
    const loaded = observations(tenant, 20);
    await bulkLoad(store, tenant, loaded);
    const reordered = loaded.map((r) => Object.fromEntries(Object.entries(r).reverse()) as FhirResource);
    expect(await bulkLoad(store, tenant, reordered)).toMatchObject({ updated: 0, unchanged: 20 });
  });

  it('gives a deleted resource a new live version', async () => {
    const tenant = 'revived';
    const loaded = observations(tenant, 20);
    await bulkLoad(store, tenant, loaded);
    await store.delete(tenant, 'Observation', `${tenant}-5`);
    expect(await bulkLoad(store, tenant, loaded)).toMatchObject({ updated: 1, unchanged: 19 });
    expect(await store.read(tenant, 'Observation', `${tenant}-5`)).toMatchObject({ versionId: 3, deleted: false });
  });

  it('createOnly: counts the same content as unchanged and rejects other content, hashed or not', async () => {
    const tenant = 'create-only';
    const loaded = observations(tenant, 20);
    await bulkLoad(store, tenant, loaded);
    await dropHashes(tenant, loaded.slice(0, 10));
    const reload = loaded.map((r, i) => (i % 5 === 0 ? observations(tenant, 20, 4)[i]! : r));
    const result = await bulkLoad(store, tenant, reload, { createOnly: true });
    expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 16 });
    expect(result.rejected.map((r) => r.id).sort()).toEqual([0, 10, 15, 5].map((i) => `${tenant}-${i}`).sort());
    expect(await versions(tenant, loaded)).toEqual(loaded.map(() => 1));
  });
});
