import { generatePopulation } from '@fhir-bulk/sample-data';
import { legacyCollections, migrateStore } from '@fhir-bulk/store';
import { type BulkStack, exportAndWait, startBulkStack, writeLegacyStore } from '@fhir-bulk/test-support';

let stack: BulkStack;
beforeAll(async () => {
  stack = await startBulkStack();
});
afterAll(() => stack.stop());

const TENANT = 'before-after';
/** Another tenant's data in the same old collections: the migration must keep it out of TENANT's export. */
const NEIGHBOUR = 'Before-After';

/**
 * What an export wrote before issue 18, from the old store itself: each live resource of the tenant as
 * `JSON.stringify(doc.resource)` (the old `resourceLine` without `_elements`), per type.
 */
async function oldExportLines(tenant: string): Promise<Map<string, string[]>> {
  const lines = new Map<string, string[]>();
  for (const name of await legacyCollections(stack.store.db)) {
    if (name.endsWith('_history')) continue;
    const docs = stack.store.db.collection(name).find({ tenant, deleted: false });
    for await (const doc of docs) lines.set(name, [...(lines.get(name) ?? []), JSON.stringify(doc.resource)]);
  }
  return lines;
}

describe('an export of the same data before and after `npm run migrate`', () => {
  it('yields the same resources, line for line', async () => {
    const population = [...generatePopulation({ patients: 20, seed: 18 })] as Array<
      Parameters<typeof writeLegacyStore>[2][number]
    >;
    const patients = population.filter((r) => r.resourceType === 'Patient').map((r) => r.id);
    // Some resources have history and a few end deleted, as a used store would.
    await writeLegacyStore(stack.store.db, TENANT, population.slice(0, 200));
    await writeLegacyStore(stack.store.db, TENANT, population.slice(200), {
      versions: 3,
      deleted: [patients.at(-1)!, population.at(-1)!.id],
    });
    await writeLegacyStore(stack.store.db, NEIGHBOUR, population.slice(0, 100));
    const before = await oldExportLines(TENANT);
    expect([...before.values()].flat().length).toBeGreaterThan(population.length - 3);

    await migrateStore(stack.store.db);
    const after = await exportAndWait(stack, `/tenant/${TENANT}/$export`);

    const exported = new Map<string, string[]>();
    for (const line of after.output) {
      exported.set(line.resourceType, [...(exported.get(line.resourceType) ?? []), JSON.stringify(line)]);
    }
    expect([...exported.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [type, lines] of before) expect(exported.get(type)?.sort()).toEqual(lines.sort());
  }, 600_000);
});
