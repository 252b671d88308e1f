import type { FhirResource } from '@fhir-bulk/fhir';
import type { ClientSession, Collection, Db, Document, FindCursor, IndexDescription } from 'mongodb';
import {
  documentKey,
  fromStored,
  type HistoryDocument,
  historyKey,
  type ResourceDocument,
  type StoredDocument,
  type StoredHistoryDocument,
  storedSame,
  tenantKeyRange,
  toDocument,
  toHistory,
  toStored,
} from './resource-document';
import { VersionConflictError } from './errors';
import { detectServer } from './server-kind';
import { streamFilter, type StreamOptions } from './stream-query';
import { currentCollection, historyCollection, tenantCollections } from './tenant-collections';
import { R4_TENANTS, type TenantVersionSettings, TenantVersions } from './tenant-versions';
import { CLAIM_LEASE_MS, claimKey, VersionClaims } from './version-claims';

const projectionOf = (omit: StreamOptions['omit'] = []) => Object.fromEntries(omit.map((field) => [field, 0]));

export interface WriteResult {
  doc: ResourceDocument;
  /** True when the write made a new resource (201), false when it made a new version of one (200). */
  created: boolean;
  /** False when the content was identical to the current version, so no version was added. */
  changed: boolean;
}

export interface WriteOptions {
  /** The version the client last saw (If-Match); a different current version is a conflict. */
  ifMatch?: number;
  /** Set inside a MongoDB transaction (transaction Bundles on servers that have them). */
  session?: ClientSession;
}

/** A change of a resource's current document that happens only if it is still `expected`. */
export interface CurrentSwap {
  expected: ResourceDocument;
  /** Its successor; none deletes the current document (a transaction's create rolled back). */
  replacement?: ResourceDocument;
  /**
   * Runs before the current document changes (archiving it). With compare-and-swap filters it runs also when the
   * swap then fails, so it must be harmless to repeat.
   */
  before?: () => Promise<void>;
}

export interface ResourceStoreOptions {
  /**
   * How a write makes sure it moves the version it read: `filter` (`replaceOne({_id, versionId})`, by index on
   * MongoDB) or `claim` (version-claims.ts: `_id` operations only, for FerretDB). By default, the server decides.
   */
  compareAndSwap?: 'filter' | 'claim';
  /** Which FHIR version a tenant speaks when first written (DEFAULT_FHIR_VERSION, TENANT_FHIR_VERSIONS); R4 if unset. */
  tenantVersions?: TenantVersionSettings;
}

/** Reads and writes FHIR resources in MongoDB; knows nothing of HTTP or Temporal. */
export class ResourceStore {
  private readonly claims: VersionClaims;
  private compareAndSwap?: Promise<'filter' | 'claim'>;
  /** Each tenant's FHIR version: what its search keys and compartments are derived by. */
  readonly tenantVersions: TenantVersions;

  constructor(
    readonly db: Db,
    private readonly now: () => Date = () => new Date(),
    options: ResourceStoreOptions = {},
  ) {
    this.claims = new VersionClaims(db);
    this.tenantVersions = new TenantVersions(db, options.tenantVersions ?? R4_TENANTS, now);
    if (options.compareAndSwap) this.compareAndSwap = Promise.resolve(options.compareAndSwap);
  }

  private readonly indexed = new Map<string, Promise<void>>();

  /**
   * Creates a tenant's type's indexes the first time this process writes it (every tenant's 146 types × 2
   * collections at every start would be slow and mostly useless).
   */
  prepare(tenant: string, type: string): Promise<void> {
    const key = `${tenant}/${type}`;
    let done = this.indexed.get(key);
    if (!done) {
      done = (async () => {
        await createMissingIndexes(this.collection(tenant, type), [
          { key: { lastUpdated: 1, _id: 1 }, name: 'lastUpdated' },
          { key: { compartments: 1 }, name: 'compartments' },
        ]);
        await createMissingIndexes(this.history(tenant, type), [{ key: { id: 1, versionId: 1 }, name: 'id_version' }]);
      })();
      this.indexed.set(key, done);
      done.catch(() => this.indexed.delete(key));
    }
    return done;
  }

  /** The tenant's current versions of a type, as stored (tenant-collections.ts). */
  collection(tenant: string, type: string): Collection<StoredDocument> {
    return currentCollection(this.db, tenant, type);
  }

  /** The tenant's earlier versions of a type, as stored. */
  history(tenant: string, type: string): Collection<StoredHistoryDocument> {
    return historyCollection(this.db, tenant, type);
  }

  clock(): Date {
    return this.now();
  }

  async read(tenant: string, type: string, id: string, session?: ClientSession): Promise<ResourceDocument | null> {
    const stored = await this.collection(tenant, type).findOne({ _id: documentKey(tenant, id) }, { session });
    return stored && fromStored(stored);
  }

  /**
   * The compartments a resource of the tenant is in now; none when it is absent or deleted. One `_id` read, which
   * FerretDB v1 pushes down too (docs/decisions.md), so callers may ask it per reference.
   */
  async compartmentsOf(tenant: string, type: string, id: string): Promise<string[]> {
    const projection = { compartments: 1, deleted: 1 };
    const doc = await this.collection(tenant, type).findOne({ _id: documentKey(tenant, id) }, { projection });
    return doc && !doc.deleted ? doc.compartments : [];
  }

  async readVersion(tenant: string, type: string, id: string, versionId: number): Promise<HistoryDocument | null> {
    const current = await this.read(tenant, type, id);
    if (!current || versionId > current.versionId) return null;
    if (versionId === current.versionId) return current;
    const stored = await this.history(tenant, type).findOne({ _id: historyKey(tenant, id, versionId) });
    return stored && fromStored(stored);
  }

  /** All versions of one resource, newest first (tombstones included). */
  async versions(tenant: string, type: string, id: string, limit: number): Promise<HistoryDocument[]> {
    const current = await this.read(tenant, type, id);
    if (!current) return [];
    if (limit <= 1) return [current]; // limit(0) would mean "no limit" to MongoDB
    // Below the current version only: a write that died after archiving may have left a copy of the current one.
    const older = await this.history(tenant, type)
      .find({ id, versionId: { $lt: current.versionId } })
      .sort({ versionId: -1 })
      .limit(limit - 1)
      .map(fromStored)
      .toArray();
    return [current, ...older];
  }

  /**
   * Writes a new version of `resource` (create or update). An update first archives the current version to
   * history, then replaces the current document only if it is still the version we read: a concurrent writer
   * makes this fail with a VersionConflictError instead of silently losing one of the two writes.
   */
  async write(
    tenant: string,
    resource: FhirResource & { id: string },
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    const current = await this.read(tenant, resource.resourceType, resource.id, options.session);
    if (options.ifMatch !== undefined && (current?.versionId ?? 0) !== options.ifMatch) {
      throw new VersionConflictError(resource.resourceType, resource.id, options.ifMatch, current?.versionId, true);
    }
    if (current && !current.deleted && storedSame(current, resource)) {
      return { doc: current, created: false, changed: false };
    }
    return this.putVersion(tenant, resource, current, false, options.session);
  }

  /** Deletes by writing a tombstone version; deleting what is absent or already deleted changes nothing. */
  async delete(tenant: string, type: string, id: string, options: WriteOptions = {}): Promise<ResourceDocument | null> {
    const current = await this.read(tenant, type, id, options.session);
    if (options.ifMatch !== undefined && (current?.versionId ?? 0) !== options.ifMatch) {
      throw new VersionConflictError(type, id, options.ifMatch, current?.versionId, true);
    }
    if (!current || current.deleted) return current;
    return (await this.putVersion(tenant, { resourceType: type, id }, current, true, options.session)).doc;
  }

  private async putVersion(
    tenant: string,
    resource: FhirResource & { id: string },
    current: ResourceDocument | null,
    deleted: boolean,
    session?: ClientSession,
  ): Promise<WriteResult> {
    await this.prepare(tenant, resource.resourceType);
    const stamp = { versionId: (current?.versionId ?? 0) + 1, lastUpdated: this.now(), deleted };
    const doc = toDocument(tenant, resource, stamp, await this.tenantVersions.versionOf(tenant), current ?? undefined);
    const collection = this.collection(tenant, resource.resourceType);
    if (current) {
      const archived = toHistory(current);
      // Replace, not insert: the leftover of a write that died right after this step is simply overwritten. Two
      // writers upserting the same version at once (compare-and-swap filters) can meet on the unique key: the
      // version is archived either way, and the swap decides which writer wins.
      const archive = async () => {
        await this.history(tenant, resource.resourceType)
          .replaceOne({ _id: archived._id }, archived, { upsert: true, session })
          .catch((error: { code?: number }) => {
            if (error.code !== 11000) throw error;
          });
      };
      const swap = { expected: current, replacement: doc, before: archive };
      if (!(await this.swapCurrent(resource.resourceType, swap, { session }))) {
        throw new VersionConflictError(resource.resourceType, resource.id, current.versionId, undefined, false);
      }
    } else {
      // A create needs no claim: the unique `_id` already lets only one insert through.
      await collection.insertOne(toStored(doc), { session }).catch((error: { code?: number }) => {
        if (error.code === 11000)
          throw new VersionConflictError(resource.resourceType, resource.id, 0, undefined, false);
        throw error;
      });
    }
    return { doc, created: !current || current.deleted, changed: true };
  }

  /**
   * Replaces (or deletes) a resource's current document if it is still the `expected` version; false when another
   * writer moved it first. `now` decides which claims have expired (recovery passes its own).
   */
  async swapCurrent(
    type: string,
    swap: CurrentSwap,
    { now = this.now(), session }: { now?: Date; session?: ClientSession } = {},
  ): Promise<boolean> {
    const { _id, tenant } = swap.expected;
    const collection = this.collection(tenant, type);
    const replacement = swap.replacement && toStored(swap.replacement);
    if ((await this.compareAndSwapMode()) === 'filter') {
      await swap.before?.();
      const filter = { _id, versionId: swap.expected.versionId };
      const result = replacement
        ? (await collection.replaceOne(filter, replacement, { session })).matchedCount
        : (await collection.deleteOne(filter, { session })).deletedCount;
      return result > 0;
    }
    const claimedAt = performance.now();
    const claim = await this.claims.take(claimKey(type, _id, swap.expected.versionId + 1), now);
    if (!claim) return false;
    try {
      const current = await this.read(tenant, type, swap.expected.id);
      // lastUpdated too: a rolled-back transaction can leave the same version number with other content.
      const unchanged =
        current?.versionId === swap.expected.versionId &&
        current.lastUpdated.getTime() === swap.expected.lastUpdated.getTime();
      if (!unchanged) return false;
      await swap.before?.();
      // Past its lease the claim may have been taken over: replacing now could undo the other writer's version.
      if (performance.now() - claimedAt >= CLAIM_LEASE_MS) return false;
      if (replacement) await collection.replaceOne({ _id }, replacement);
      else await collection.deleteOne({ _id });
      return true;
    } finally {
      await this.claims.release(claim);
    }
  }

  private compareAndSwapMode(): Promise<'filter' | 'claim'> {
    if (!this.compareAndSwap) {
      const mode = detectServer(this.db).then((server) => (server.indexedCompareAndSwap ? 'filter' : 'claim'));
      mode.catch(() => (this.compareAndSwap = undefined)); // asked again by the next write
      this.compareAndSwap = mode;
    }
    return this.compareAndSwap;
  }

  /** A cursor over a tenant's current (not deleted) resources of one type, in key order. */
  streamCurrent(tenant: string, type: string, options: StreamOptions = {}): FindCursor<ResourceDocument> {
    return this.collection(tenant, type)
      .find(streamFilter(tenant, options), { projection: projectionOf(options.omit) })
      .sort({ _id: 1 })
      .batchSize(options.batchSize ?? 1_000)
      .map(fromStored);
  }

  /**
   * Every document (live or tombstone) in a key range of one tenant, in the server's storage order, after `skip`.
   * For servers that cannot range-scan by index (FerretDB v1): no sort means no in-memory sort of the whole
   * collection before the first document, and the order is stable because updates keep a document's place and
   * inserts go to the end. The caller filters (so the scanned sequence, and thus `skip`, never shifts).
   */
  scanRange(
    tenant: string,
    type: string,
    options: Pick<StreamOptions, 'fromKey' | 'beforeKey' | 'batchSize' | 'omit'> & { skip?: number },
  ): FindCursor<ResourceDocument> {
    const { _id } = streamFilter(tenant, options);
    return this.collection(tenant, type)
      .find({ _id }, { projection: projectionOf(options.omit) })
      .skip(options.skip ?? 0)
      .batchSize(options.batchSize ?? 1_000)
      .map(fromStored);
  }

  /**
   * Keys that cut a tenant's type into slices of `every` documents (live or not, whatever a job's filters keep), for
   * parallel export partitions. Walks
   * the `_id` index with skip, so it is only worth asking of a server whose range scans use the index (MongoDB).
   */
  async keyBoundaries(tenant: string, type: string, every: number): Promise<string[]> {
    const range = tenantKeyRange(tenant);
    const keys: string[] = [];
    for (;;) {
      const [doc] = await this.collection(tenant, type)
        .find({ _id: { $gt: keys.at(-1) ?? range.gte, $lt: range.lt } }, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .skip(keys.length === 0 ? every : every - 1)
        .limit(1)
        .toArray();
      if (!doc) break;
      keys.push(doc._id);
    }
    return keys;
  }

  /** The resource types the tenant has a collection of (ever wrote). */
  async storedTypes(tenant: string): Promise<Set<string>> {
    const collections = await tenantCollections(this.db);
    return new Set(collections.filter((c) => c.tenant === tenant && !c.history).map((c) => c.type));
  }

  /** Counts what streamCurrent with the same options would return. */
  countCurrent(tenant: string, type: string, options: StreamOptions = {}): Promise<number> {
    return this.collection(tenant, type).countDocuments(streamFilter(tenant, options));
  }

  /**
   * Removes every resource of a tenant (sample reloads and tests; never a FHIR operation): drops its collections,
   * which costs the tenant's size in files, not a delete per document.
   */
  async deleteTenant(tenant: string): Promise<void> {
    for (const { name, tenant: owner, type } of await tenantCollections(this.db)) {
      if (owner !== tenant) continue;
      await this.db.dropCollection(name).catch((error: { code?: number }) => {
        if (error.code !== 26) throw error; // NamespaceNotFound: dropped meanwhile
      });
      this.indexed.delete(`${tenant}/${type}`);
    }
  }
}

/**
 * Creates only the indexes a collection lacks: FerretDB v1 drops the connection ("slice bounds out of range"
 * panic) when createIndexes is sent again for indexes that already exist, which every restart would do.
 */
async function createMissingIndexes<T extends Document>(
  collection: Collection<T>,
  indexes: IndexDescription[],
): Promise<void> {
  const existing = await collection
    .listIndexes()
    .toArray()
    .catch((error: { code?: number }) => {
      if (error.code === 26) return []; // NamespaceNotFound: the collection does not exist yet
      throw error;
    });
  const names = new Set(existing.map((index) => index.name as string));
  const missing = indexes.filter((index) => !names.has(index.name!));
  if (missing.length > 0) await collection.createIndexes(missing);
}
