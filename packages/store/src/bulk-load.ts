import type { FhirResource } from '@fhir-bulk/fhir';
import type { MongoBulkWriteError } from 'mongodb';
import { type ResourceDocument, sameContent, toDocument } from './resource-document';
import type { ResourceStore } from './resource-store';

export interface BulkLoadResult {
  created: number;
  updated: number;
  unchanged: number;
  /** `createOnly`: resources whose id already held other content; they were not written. */
  rejected: FhirResource[];
}

export interface BulkLoadOptions {
  /**
   * Only create: an id that exists with other content is rejected instead of getting a new version ($import's
   * InitialLoad). An id that exists with the same content counts as unchanged, so a retried batch still converges.
   */
  createOnly?: boolean;
}

/**
 * The bulk write path (seeding, $import): idempotent upserts by (tenant, type, id).
 *
 * It inserts optimistically, because a bulk load is mostly new resources and `insertMany` is one round trip per
 * batch (FerretDB v1 does not push `$in` down, so reading the batch's current versions first would scan the
 * collection). Only the ids that already exist take the per-resource path (a few at a time), which adds a
 * version when content changed and nothing when it did not, so a batch retried after a crash converges on
 * exactly one version per content.
 */
export async function bulkLoad(
  store: ResourceStore,
  tenant: string,
  resources: readonly FhirResource[],
  options: BulkLoadOptions = {},
): Promise<BulkLoadResult> {
  const result: BulkLoadResult = { created: 0, updated: 0, unchanged: 0, rejected: [] };
  const lastUpdated = store.clock();
  for (const [type, group] of groupByType(resources)) {
    await store.prepare(type);
    const docs = group.map((resource) => toDocument(tenant, withId(resource), { versionId: 1, lastUpdated }));
    const existing = [...(await insertNew(store, type, docs))];
    result.created += docs.length - existing.length;
    for (let i = 0; i < existing.length; i += EXISTING_IN_FLIGHT) {
      const slice = existing.slice(i, i + EXISTING_IN_FLIGHT).map((index) => withId(group[index]!));
      if (options.createOnly) {
        const current = await Promise.all(slice.map((resource) => store.read(tenant, type, resource.id)));
        slice.forEach((resource, j) => {
          const doc = current[j];
          if (doc && !doc.deleted && sameContent(doc.resource, resource)) result.unchanged++;
          else result.rejected.push(resource);
        });
        continue;
      }
      for (const { changed } of await Promise.all(slice.map((resource) => store.write(tenant, resource)))) {
        if (changed) result.updated++;
        else result.unchanged++;
      }
    }
  }
  return result;
}

/** Resources that already exist are read, compared and written one by one; this many at once hides latency. */
const EXISTING_IN_FLIGHT = 16;

/** Inserts the documents; returns the indexes of those whose id already existed. */
async function insertNew(store: ResourceStore, type: string, docs: ResourceDocument[]): Promise<Set<number>> {
  if (docs.length === 0) return new Set();
  try {
    await store.collection(type).insertMany(docs, { ordered: false });
    return new Set();
  } catch (error) {
    return duplicateIndexes(error);
  }
}

/** The indexes of the documents a bulk insert refused as duplicates; any other failure is rethrown. */
function duplicateIndexes(error: unknown): Set<number> {
  const writeErrors = (error as MongoBulkWriteError).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  if (list.length === 0 || list.some((e) => e.code !== 11000)) throw error;
  return new Set(list.map((e) => e.index));
}

function groupByType(resources: readonly FhirResource[]): Map<string, FhirResource[]> {
  const byType = new Map<string, FhirResource[]>();
  for (const resource of resources) {
    const group = byType.get(resource.resourceType) ?? [];
    group.push(resource);
    byType.set(resource.resourceType, group);
  }
  return byType;
}

function withId(resource: FhirResource): FhirResource & { id: string } {
  if (!resource.id) throw new Error(`bulk load needs ids; got a ${resource.resourceType} without one`);
  return resource as FhirResource & { id: string };
}
