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
});
