import type { Collection } from 'mongodb';
import type { ResourceStore } from './resource-store';
import { tenantCollections } from './tenant-collections';

/**
 * Deletes sent per request. Each is an `_id` equality, which every server answers by index (FerretDB v1 too; an
 * `$in` of ids it evaluates by a scan per request: 6x slower here, docs/decisions.md).
 */
const DELETE_BATCH = 500;

interface Dated {
  _id: string;
  lastUpdated: Date;
  text?: string;
}

/**
 * Deletes, in every tenant, the current and history documents of `type` whose `element` (an instant such as
 * AuditEvent.recorded; a tombstone, which has none, by its lastUpdated) is before `cutoff`. Returns how many.
 *
 * One unsorted, unfiltered pass over each tenant's collections, projected to the id, time and text: FerretDB v1
 * scans the whole collection for any filter but `{_id}` equality (and sorts it for a sort), so filtering server-side
 * would cost the same scan, and paging with a filter would cost one scan per page. The instant is compared here, as a
 * time (offsets such as `+01:00` compare right, which strings would not). Deletes go by `_id` in batches.
 */
export async function purgeOlderThan(
  store: ResourceStore,
  type: string,
  element: string,
  cutoff: Date,
): Promise<number> {
  let purged = 0;
  for (const { name, type: stored } of await tenantCollections(store.db)) {
    if (stored === type) purged += await purgeCollection(store.db.collection<Dated>(name), element, cutoff.getTime());
  }
  return purged;
}

async function purgeCollection(collection: Collection<Dated>, element: string, cutoff: number): Promise<number> {
  const cursor = collection.find({}, { projection: { _id: 1, lastUpdated: 1, text: 1 } });
  let expired: string[] = [];
  let purged = 0;
  const flush = async () => {
    if (expired.length === 0) return;
    const deletes = expired.map((_id) => ({ deleteOne: { filter: { _id } } }));
    purged += (await collection.bulkWrite(deletes, { ordered: false })).deletedCount;
    expired = [];
  };
  for await (const doc of cursor.batchSize(DELETE_BATCH * 2)) {
    const instant = doc.text === undefined ? undefined : (JSON.parse(doc.text) as Record<string, unknown>)[element];
    const time = typeof instant === 'string' ? Date.parse(instant) : doc.lastUpdated.getTime();
    if (time < cutoff) expired.push(doc._id);
    if (expired.length >= DELETE_BATCH) await flush();
  }
  await flush();
  return purged;
}
