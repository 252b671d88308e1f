import { toMongoFilter } from '@fhir-bulk/search';
import { ResourceStore } from '@fhir-bulk/store';
import { connectTestServices, type TestServices } from '@fhir-bulk/test-support';
import { generatePopulation, loadPopulation } from '../src';

let services: TestServices;
beforeAll(async () => {
  services = await connectTestServices();
});
afterAll(() => services.close());

function expectedCounts(patients: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of generatePopulation({ patients, seed: 7 })) counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
  return counts;
}

describe('loadPopulation on FerretDB', () => {
  it('stores every generated resource once, searchable by patient, and a reload adds no version', async () => {
    const expected = expectedCounts(40);
    expect(await loadPopulation(services.store, 'pop', { patients: 40, seed: 7, batchSize: 100 })).toEqual(expected);
    for (const [type, count] of Object.entries(expected)) {
      expect(await services.store.countCurrent('pop', type)).toBe(count);
    }
    const firstPatient = await services.store.streamCurrent('pop', 'Patient').limit(1).next();
    const own = await services.store.countCurrent('pop', 'Observation', {
      filter: { compartments: `Patient/${firstPatient!.id}` },
    });
    expect(own).toBeGreaterThan(0);

    await loadPopulation(services.store, 'pop', { patients: 40, seed: 7, batchSize: 100 });
    expect(await services.store.countCurrent('pop', 'Observation')).toBe(expected.Observation);
    expect(await services.store.history('pop', 'Observation').countDocuments({ tenant: 'pop' })).toBe(0);
  });

  it("loads an R5 tenant in R5's shapes, searchable by R5's parameters", async () => {
    const store = new ResourceStore(services.store.db, undefined, {
      tenantVersions: { defaultVersion: '4.0.1', configured: new Map([['pop-r5', '5.0.0']]) },
    });
    await loadPopulation(store, 'pop-r5', { patients: 5, seed: 7 });
    const encounter = (await store.streamCurrent('pop-r5', 'Encounter').limit(1).next())!;
    expect(Array.isArray(encounter.resource.class)).toBe(true);
    const start = (encounter.resource.actualPeriod as { start: string }).start;
    // R5's Encounter date reads actualPeriod; R4's would read `period`, which an R5 Encounter has not.
    const { filter } = toMongoFilter('Encounter', [['date', start.slice(0, 10)]], { version: '5.0.0' });
    expect(await store.countCurrent('pop-r5', 'Encounter', { filter })).toBeGreaterThan(0);
  });
});
