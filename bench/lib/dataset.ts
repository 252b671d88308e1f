import { type FhirResource, generatePopulation } from '@fhir-bulk/sample-data';
import { bulkLoad, currentCollectionName, ResourceStore, type StoredDocument, tenantKeyRange } from '@fhir-bulk/store';
import type { Db, Filter } from 'mongodb';

/** The types the benchmarks load and export: the four the issue names. */
export const BENCH_TYPES = ['Patient', 'Observation', 'Condition', 'MedicationRequest'];

export interface Dataset {
  tenant: string;
  /** The MongoDB database holding it, which the benchmark drops and reloads at will. */
  database: string;
  resources: number;
}

/** Resources per bulk write, as the seed CLI uses. */
const BATCH_SIZE = 1_000;
const PROGRESS_EVERY = 100_000;

/** The filter the export applies (packages/store streamCurrent): the tenant's key range, live resources only. */
export function liveResourcesOf(tenant: string): Filter<StoredDocument> {
  const range = tenantKeyRange(tenant);
  return { _id: { $gte: range.gte, $lt: range.lt }, deleted: false };
}

export interface DatasetOptions {
  /** The resource types the dataset holds; the export benchmark's four by default. */
  types?: readonly string[];
  /**
   * Sees every resource of the dataset, in load order: as it is loaded, or, when earlier data is reused, generated
   * again (deterministic) without being stored. For figures the export's output is checked against.
   */
  onResource?: (resource: FhirResource) => void;
  /** Keep the database's other tenants: a fresh load replaces only this tenant's collections. */
  beside?: boolean;
}

/**
 * Makes `db` hold exactly `dataset`; returns the load time in seconds, or null when `reuse` is set and an earlier
 * `--keep` run left the same count. The database is the benchmark's own, so a fresh load drops it whole (far
 * faster than deleting a million documents).
 */
export async function prepareDataset(
  db: Db,
  dataset: Dataset,
  reuse: boolean,
  { types = BENCH_TYPES, onResource, beside = false }: DatasetOptions = {},
): Promise<number | null> {
  if (reuse) {
    const count = await countDataset(db, dataset.tenant, types);
    if (count === dataset.resources) {
      console.log(`${dataset.tenant}: reusing the ${count} resources loaded before`);
      if (onResource) for (const resource of datasetResources(dataset, types)) onResource(resource);
      return null;
    }
    console.log(`${dataset.tenant}: holds ${count} resources, not ${dataset.resources}; loading again`);
  }
  if (beside) await new ResourceStore(db).deleteTenant(dataset.tenant);
  else await db.dropDatabase();
  const started = performance.now();
  await loadDataset(new ResourceStore(db), dataset, types, onResource);
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(dataset.resources / seconds);
  console.log(`${dataset.tenant}: loaded ${dataset.resources} resources in ${seconds.toFixed(1)} s (${rate}/s)`);
  return seconds;
}

/**
 * Live resources of `tenant` in `db`, counted with the `count` command, not countDocuments: that is an aggregation
 * whose $group FerretDB v1 runs in memory (about 20 GB for a million documents); `count` streams.
 */
async function countDataset(db: Db, tenant: string, types: readonly string[]): Promise<number> {
  let total = 0;
  for (const type of types) {
    const { n } = (await db.command({
      count: currentCollectionName(tenant, type),
      query: liveResourcesOf(tenant),
    })) as { n: number };
    total += n;
  }
  return total;
}

/**
 * Exactly `resources` resources of `types`: the sample population (deterministic) minus its other types (for the
 * export benchmark its Encounters and Groups), cut off once the count is reached. Exporting only those types then
 * makes the manifest's total directly comparable with what was loaded. Observations still reference their
 * (absent) Encounters, which nothing here resolves.
 */
function* datasetResources({ resources }: Dataset, types: readonly string[]): Generator<FhirResource> {
  const wanted = new Set(types);
  let generated = 0;
  // Every patient yields at least its Patient resource, so `resources` patients always suffice; generation is lazy.
  for (const resource of generatePopulation({ patients: resources })) {
    if (!wanted.has(resource.resourceType)) continue;
    yield resource;
    if (++generated === resources) return;
  }
}

async function loadDataset(
  store: ResourceStore,
  dataset: Dataset,
  types: readonly string[],
  onResource: DatasetOptions['onResource'],
): Promise<void> {
  const { tenant, resources } = dataset;
  const started = performance.now();
  let batch = [];
  let loaded = 0;
  for (const resource of datasetResources(dataset, types)) {
    onResource?.(resource);
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
  }
}
