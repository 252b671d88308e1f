import type { FhirResource } from '@fhir-bulk/fhir';
import type { Collection } from 'mongodb';
import { isMongoUnreachable, writeErrorsOf } from './errors';
import { sameContent, type StoredDocument, toDocument, toStored } from './resource-document';
import type { ResourceStore } from './resource-store';

export interface BulkLoadResult {
  created: number;
  updated: number;
  unchanged: number;
  /** `createOnly`: resources whose id already held other content; they were not written. */
  rejected: FhirResource[];
  /** Resources the database refused to hold (e.g. content it cannot represent), with its reason; not written. */
  unstorable: Array<{ resource: FhirResource; reason: string }>;
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
  const result: BulkLoadResult = { created: 0, updated: 0, unchanged: 0, rejected: [], unstorable: [] };
  const lastUpdated = store.clock();
  for (const [type, group] of groupByType(resources)) {
    await store.prepare(tenant, type);
    const docs = group.map((resource) => toStored(toDocument(tenant, withId(resource), { versionId: 1, lastUpdated })));
    const inserted = await insertNew(store.collection(tenant, type), docs);
    const existing = [...inserted.existing];
    for (const [index, reason] of inserted.unstorable) result.unstorable.push({ resource: group[index]!, reason });
    result.created += docs.length - existing.length - inserted.unstorable.size;
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

/** Resources that already exist are read, compared and written one by one; this many at once hides latency (on FerretDB, 1,000 reads by _id: 1.5 s 16 at a time, 1.0 s 64 at a time). */
const EXISTING_IN_FLIGHT = 64;

interface Inserted {
  /** Indexes of the documents whose id already existed. */
  existing: Set<number>;
  /** Indexes of the documents the database refused, with its reason. */
  unstorable: Map<number, string>;
}

/**
 * Inserts the documents. A document the database refuses (FerretDB: nested arrays, …) is set aside with the reason,
 * so one bad document never fails its whole batch: an unordered insert names each refused document, and a failure
 * that names none is split in halves until the documents at fault stand alone. An unreachable database is no
 * document's fault: it is thrown, and the batch is retried.
 */
async function insertNew(collection: Collection<StoredDocument>, docs: StoredDocument[]): Promise<Inserted> {
  const inserted: Inserted = { existing: new Set(), unstorable: new Map() };
  if (docs.length > 0) await insertSome(collection, docs, [...docs.keys()], inserted);
  return inserted;
}

async function insertSome(
  collection: Collection<StoredDocument>,
  docs: StoredDocument[],
  indexes: number[],
  inserted: Inserted,
): Promise<void> {
  try {
    await collection.insertMany(
      indexes.map((i) => docs[i]!),
      { ordered: false },
    );
    return;
  } catch (error) {
    if (isMongoUnreachable(error)) throw error;
    const writeErrors = writeErrorsOf(error);
    if (writeErrors.length > 0) {
      for (const { index, code, errmsg } of writeErrors) {
        if (code === 11000) inserted.existing.add(indexes[index]!);
        else inserted.unstorable.set(indexes[index]!, refusal(code, errmsg));
      }
      return;
    }
    if (indexes.length === 1) {
      inserted.unstorable.set(indexes[0]!, refusal((error as { code?: unknown }).code, (error as Error).message));
      return;
    }
    const half = Math.ceil(indexes.length / 2);
    await insertSome(collection, docs, indexes.slice(0, half), inserted);
    await insertSome(collection, docs, indexes.slice(half), inserted);
  }
}

/** The database's reason, short: its messages can quote the whole document. */
const refusal = (code: unknown, message = '') =>
  `the database refused it (code ${String(code)}): ${message.length > 200 ? `${message.slice(0, 200)}…` : message}`;

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
