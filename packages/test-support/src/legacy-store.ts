import { historyKey, type LegacyDocument, toDocument, toStored } from '@fhir-bulk/store';
import type { Db } from 'mongodb';

type Resource = Parameters<typeof toDocument>[1];

/** How many legacy documents go per insert. */
const BATCH = 500;

/**
 * Writes `resources` into `db` as the store did before issue 18: collections `<Type>` and `<Type>_history` shared by
 * every tenant, the resource a nested document (the fields otherwise as today's). Each resource gets `versions`
 * versions (the earlier ones in history, content identical but for meta), and those listed in `deleted` end in a
 * tombstone as their last version. For the migration's tests: a store to run `npm run migrate` over.
 */
export async function writeLegacyStore(
  db: Db,
  tenant: string,
  resources: readonly Resource[],
  { versions = 1, deleted = [], lastUpdated = new Date('2026-06-01T00:00:00.000Z') } = {} as {
    versions?: number;
    deleted?: readonly string[];
    lastUpdated?: Date;
  },
): Promise<void> {
  const byCollection = new Map<string, LegacyDocument[]>();
  const add = (name: string, doc: LegacyDocument) => {
    const docs = byCollection.get(name) ?? [];
    docs.push(doc);
    byCollection.set(name, docs);
  };
  for (const resource of resources) {
    let previous: LegacyDocument | undefined;
    for (let versionId = 1; versionId <= versions; versionId++) {
      const tombstone = versionId === versions && versions > 1 && deleted.includes(resource.id);
      const stamp = { versionId, lastUpdated: new Date(lastUpdated.getTime() + versionId * 1000), deleted: tombstone };
      const doc = legacyDocument(tenant, resource, stamp, previous);
      if (previous) {
        const { search: _s, compartments: _c, ...version } = previous;
        add(`${resource.resourceType}_history`, { ...version, _id: historyKey(tenant, resource.id, versionId - 1) });
      }
      previous = doc;
    }
    add(resource.resourceType, previous!);
  }
  for (const [name, docs] of byCollection) {
    for (let i = 0; i < docs.length; i += BATCH)
      await db.collection(name).insertMany(docs.slice(i, i + BATCH) as never);
  }
}

/** One version as the old code stored it: today's document with the resource nested instead of its text. */
function legacyDocument(
  tenant: string,
  resource: Resource,
  stamp: { versionId: number; lastUpdated: Date; deleted: boolean },
  previous: LegacyDocument | undefined,
): LegacyDocument {
  const deletedVersion = previous && { compartments: previous.compartments ?? [] };
  // The layout before issue 18 predates FHIR versions: every tenant was R4.
  const { text, ...doc } = toStored(toDocument(tenant, resource, stamp, '4.0.1', deletedVersion));
  return { ...doc, resource: JSON.parse(text) as LegacyDocument['resource'] };
}
