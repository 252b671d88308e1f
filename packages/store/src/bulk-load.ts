import type { FhirResource } from '@fhir-bulk/fhir';
import type { Collection } from 'mongodb';
import { isMongoUnreachable, writeErrorsOf } from './errors';
import { groupBy } from './group-by';
import { contentHash, documentKey, type StoredDocument, storedSame, toDocument, toStored } from './resource-document';
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
 * collection). After a batch that mostly existed (a re-import), the next of its tenant and type is read first
 * instead, one `_id` read each: on FerretDB v1 a failed insert costs about as much as that read (it retries the
 * batch one document at a time). Ids that exist are settled by the stored content hash, so an unchanged resource
 * costs one small read; the others (changed, deleted, or written before hashes) take the per-resource path, which
 * adds a version when content changed and nothing when it did not, so a batch retried after a crash converges on
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
  for (const [type, group] of groupBy(resources, (resource) => resource.resourceType)) {
    await store.prepare(tenant, type);
    const collection = store.collection(tenant, type);
    const batch = group.map(withId);
    const seen = loadHistoryOf(store);
    const key = `${tenant}/${type}`;
    const stamps = seen.get(key)
      ? await readStamps(collection, tenant, batch, [...batch.keys()])
      : new Map<number, Stamp | null>();
    const absent = [...batch.keys()].filter((index) => !stamps.get(index));
    const version = await store.tenantVersions.versionOf(tenant);
    const docs = absent.map((index) =>
      toStored(toDocument(tenant, batch[index]!, { versionId: 1, lastUpdated }, version)),
    );
    const inserted = await insertNew(collection, docs);
    for (const [j, reason] of inserted.unstorable) result.unstorable.push({ resource: batch[absent[j]!]!, reason });
    result.created += docs.length - inserted.existing.size - inserted.unstorable.size;
    const foundByInsert = [...inserted.existing].map((j) => absent[j]!);
    for (const [index, stamp] of await readStamps(collection, tenant, batch, foundByInsert)) stamps.set(index, stamp);
    seen.set(key, [...stamps.values()].filter(Boolean).length * 2 > batch.length);
    const toSettle: Array<FhirResource & { id: string }> = [];
    for (const [index, stamp] of stamps) {
      if (!stamp) continue;
      const resource = batch[index]!;
      if (!stamp.deleted && stamp.contentHash === contentHash(resource)) result.unchanged++;
      else toSettle.push(resource);
    }
    await settleExisting(store, tenant, toSettle, options, result);
  }
  return result;
}

/** What bulkLoad reads of a stored resource to tell whether it changed. */
type Stamp = Pick<StoredDocument, 'deleted' | 'contentHash'>;

/**
 * Per store, whether the last batch of each `${tenant}/${type}` was mostly stored already: a re-import's next batch is
 * then read first, while a new load never pays a read for that choice. A wrong guess costs time, never a result.
 */
const lastMostlyStored = new WeakMap<ResourceStore, Map<string, boolean>>();

function loadHistoryOf(store: ResourceStore): Map<string, boolean> {
  let seen = lastMostlyStored.get(store);
  if (!seen) lastMostlyStored.set(store, (seen = new Map()));
  return seen;
}

/** One `_id` read per index (FerretDB v1 pushes only `_id` equality down), EXISTING_IN_FLIGHT at a time. */
async function readStamps(
  collection: Collection<StoredDocument>,
  tenant: string,
  batch: ReadonlyArray<FhirResource & { id: string }>,
  indexes: readonly number[],
): Promise<Map<number, Stamp | null>> {
  const stamps = new Map<number, Stamp | null>();
  const projection = { deleted: 1, contentHash: 1 };
  let next = 0;
  const reader = async () => {
    while (next < indexes.length) {
      const index = indexes[next++]!;
      const key = documentKey(tenant, batch[index]!.id);
      stamps.set(index, await collection.findOne<Stamp>({ _id: key }, { projection }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(EXISTING_IN_FLIGHT, indexes.length) }, reader));
  return stamps;
}

/**
 * Resources that exist and are not known to be unchanged: read, compared and written one by one (createOnly:
 * rejected unless the content is the same).
 */
async function settleExisting(
  store: ResourceStore,
  tenant: string,
  resources: ReadonlyArray<FhirResource & { id: string }>,
  options: BulkLoadOptions,
  result: BulkLoadResult,
): Promise<void> {
  for (let i = 0; i < resources.length; i += EXISTING_IN_FLIGHT) {
    const slice = resources.slice(i, i + EXISTING_IN_FLIGHT);
    if (options.createOnly) {
      const current = await Promise.all(
        slice.map((resource) => store.read(tenant, resource.resourceType, resource.id)),
      );
      slice.forEach((resource, j) => {
        const doc = current[j];
        if (doc && !doc.deleted && storedSame(doc, resource)) result.unchanged++;
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

/**
 * Stored resources are read (and the changed ones written) this many at once, which hides latency (on FerretDB,
 * 1,000 reads by _id: 1.5 s 16 at a time, 1.0 s 64 at a time).
 */
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

function withId(resource: FhirResource): FhirResource & { id: string } {
  if (!resource.id) throw new Error(`bulk load needs ids; got a ${resource.resourceType} without one`);
  return resource as FhirResource & { id: string };
}
