import type { FhirVersion } from '@fhir-bulk/fhir';
import { bulkLoad, type ResourceStore } from '@fhir-bulk/store';
import { generatePopulation } from './population';

export interface LoadOptions {
  patients: number;
  seed?: number;
  /** Resources per bulk write: one round trip each. */
  batchSize?: number;
}

/** Streams a generated population into the store through its bulk path; returns how many of each type. */
export async function loadPopulation(
  store: ResourceStore,
  tenant: string,
  options: LoadOptions,
): Promise<Record<string, number>> {
  const batchSize = options.batchSize ?? 1_000;
  // The tenant's version decides the shapes: its store derives search keys by the same version.
  const fhirVersion: FhirVersion = await store.tenantVersions.versionOf(tenant);
  const counts: Record<string, number> = {};
  let batch = [];
  for (const resource of generatePopulation({ patients: options.patients, seed: options.seed, fhirVersion })) {
    counts[resource.resourceType] = (counts[resource.resourceType] ?? 0) + 1;
    batch.push(resource);
    if (batch.length >= batchSize) {
      await bulkLoad(store, tenant, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await bulkLoad(store, tenant, batch);
  return counts;
}
