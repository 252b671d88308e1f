import { generatePopulation } from '@fhir-bulk/sample-data';
import { bulkLoad, type ResourceDocument, ResourceStore, tenantKeyRange } from '@fhir-bulk/store';
import type { Db, Filter } from 'mongodb';
import { BENCH_TYPES, type Dataset } from './bench-setup';

/** Resources per bulk write, as the seed CLI uses. */
const BATCH_SIZE = 1_000;
const PROGRESS_EVERY = 100_000;

/** The filter the export applies (packages/store streamCurrent): the tenant's key range, live resources only. */
export function liveResourcesOf(tenant: string): Filter<ResourceDocument> {
  const range = tenantKeyRange(tenant);
  return { _id: { $gte: range.gte, $lt: range.lt }, deleted: false };
}

/**
 * Makes `db` hold exactly `dataset`; returns the load time in seconds, or null when `reuse` is set and an earlier
 * `--keep` run left the same count. The database is the benchmark's own, so a fresh load drops it whole (far
 * faster than deleting a million documents).
 */
export async function prepareDataset(db: Db, dataset: Dataset, reuse: boolean): Promise<number | null> {
  if (reuse) {
    const count = await countDataset(db, dataset.tenant);
    if (count === dataset.resources) {
      console.log(`${dataset.tenant}: reusing the ${count} resources loaded before`);
      return null;
    }
    console.log(`${dataset.tenant}: holds ${count} resources, not ${dataset.resources}; loading again`);
  }
  await db.dropDatabase();
  const started = performance.now();
  await loadDataset(new ResourceStore(db), dataset);
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(dataset.resources / seconds);
  console.log(`${dataset.tenant}: loaded ${dataset.resources} resources in ${seconds.toFixed(1)} s (${rate}/s)`);
  return seconds;
}

async function countDataset(db: Db, tenant: string): Promise<number> {
  const counts = await Promise.all(
    BENCH_TYPES.map((type) => db.collection<ResourceDocument>(type).countDocuments(liveResourcesOf(tenant))),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Loads exactly `resources` resources of the benchmark's types: the sample population (deterministic), minus its
 * Encounters and Groups, cut off once the count is reached. Exporting only those types then makes the manifest's
 * total directly comparable with what was loaded. Observations still reference their (absent) Encounters, which
 * nothing here resolves.
 */
async function loadDataset(store: ResourceStore, { tenant, resources }: Dataset): Promise<void> {
  const wanted = new Set(BENCH_TYPES);
  const started = performance.now();
  let batch = [];
  let loaded = 0;
  // Every patient yields at least its Patient resource, so `resources` patients always suffice; generation is lazy.
  for (const resource of generatePopulation({ patients: resources })) {
    if (!wanted.has(resource.resourceType)) continue;
    batch.push(resource);
    loaded++;
    if (batch.length === BATCH_SIZE || loaded === resources) {
      await bulkLoad(store, tenant, batch);
      batch = [];
      if (loaded % PROGRESS_EVERY === 0 && loaded < resources) {
        const rate = loaded / ((performance.now() - started) / 1000);
        console.log(`${tenant}: ${loaded}/${resources} loaded (${Math.round(rate)}/s)`);
      }
    }
    if (loaded === resources) return;
  }
}
