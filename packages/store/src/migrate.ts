import type { FhirResource } from '@fhir-bulk/fhir';
import { extractSearchKeys } from '@fhir-bulk/search';
import type { Collection, Db } from 'mongodb';
import { isMongoUnreachable, writeErrorsOf } from './errors';
import { groupBy } from './group-by';
import type { StoredDocument, StoredHistoryDocument } from './resource-document';
import { ResourceStore } from './resource-store';
import { legacyCollections } from './tenant-collections';

export interface MigrateStep {
  /** The old collection. */
  collection: string;
  phase: 'copied' | 'deleted';
  /** Documents moved so far, every old collection counted (this batch too once it is deleted). */
  moved: number;
}

/** A document of the layout before issue 18: in a collection shared by every tenant, the resource nested. */
export type LegacyDocument = Omit<StoredHistoryDocument, 'text'> &
  Partial<Pick<StoredDocument, 'search' | 'compartments'>> & { resource: FhirResource };

export interface MigrateOptions {
  /**
   * Documents moved per step (read, copied, deleted). Each delete is an `_id` equality, which FerretDB v1 answers
   * by index; a `deleteMany` over tens of thousands of documents fails there (docs/decisions.md).
   */
  batchSize?: number;
  /** Told after each batch is copied and again once it is deleted (progress; the tests kill the process here). */
  onStep?: (step: MigrateStep) => Promise<void> | void;
}

/**
 * `npm run migrate`: moves every document of the old layout into its tenant's collections (tenant-collections.ts),
 * the resource as JSON text. Resumable and memory-bounded: each step reads the first `batchSize` documents left in
 * an old collection (a bare limit, which FerretDB v1 pushes down to SQLite), inserts them into the new collections
 * (one already there from a step killed midway is skipped: it is the same document, and nothing else writes while
 * the API and workers refuse to start), then deletes them from the old one by `_id`. An old collection is dropped
 * once empty. Killed anywhere and run again, it converges: nothing is lost (a document leaves the old collection
 * only after it is in the new one) and nothing is duplicated (`_id` is unique in the new collection).
 */
export async function migrateStore(db: Db, options: MigrateOptions = {}): Promise<{ moved: number }> {
  const batchSize = options.batchSize ?? 500;
  const store = new ResourceStore(db);
  let moved = 0;
  for (const name of await legacyCollections(db)) {
    const type = name.replace(/_history$/, '');
    const history = name !== type;
    const legacy = db.collection<LegacyDocument>(name);
    for (;;) {
      const batch = await legacy.find({}).limit(batchSize).toArray();
      if (batch.length === 0) break;
      for (const [tenant, docs] of groupBy(batch, (doc) => doc.tenant)) {
        await store.prepare(tenant, type);
        const target = history ? store.history(tenant, type) : store.collection(tenant, type);
        const moved = docs.map((doc) => toText(doc, history));
        await insertMissing(target as unknown as Collection<Record<string, unknown>>, moved);
      }
      await options.onStep?.({ collection: name, phase: 'copied', moved });
      const deletes = batch.map(({ _id }) => ({ deleteOne: { filter: { _id } } }));
      await legacy.bulkWrite(deletes, { ordered: false });
      moved += batch.length;
      await options.onStep?.({ collection: name, phase: 'deleted', moved });
    }
    await legacy.drop().catch((error: { code?: number }) => {
      if (error.code !== 26) throw error; // NamespaceNotFound: a previous run dropped it
    });
  }
  return { moved };
}

/**
 * The new form of an old document: the same fields, the resource as its JSON text (key order kept). A live
 * ViewDefinition also gets the search keys its search used to read from the nested resource (extractSearchKeys).
 */
function toText(doc: LegacyDocument, history: boolean): Record<string, unknown> {
  const { resource, ...rest } = doc;
  const view = !history && !doc.deleted && resource.resourceType === 'ViewDefinition';
  return { ...rest, ...(view ? { search: extractSearchKeys(resource) } : {}), text: JSON.stringify(resource) };
}

/** Inserts the documents, skipping those whose `_id` is already there (copied by a run killed before its delete). */
async function insertMissing(collection: Collection<Record<string, unknown>>, docs: Array<Record<string, unknown>>) {
  try {
    await collection.insertMany(docs, { ordered: false });
  } catch (error) {
    if (isMongoUnreachable(error)) throw error;
    const errors = writeErrorsOf(error);
    if (errors.length === 0 || errors.some(({ code }) => code !== 11000)) throw error;
  }
}
