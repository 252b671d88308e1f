import type { FhirResource } from '@fhir-bulk/fhir';
import type { AnyBulkWriteOperation, Collection, Db, FindCursor } from 'mongodb';
import { documentKey, type ResourceDocument, tenantKeyRange } from './resource-document';

export interface StreamOptions {
  /** Resume strictly after this `_id` (the key of the last resource already written). */
  afterKey?: string;
  /** Only resources last updated at or before this instant (an export's transactionTime). */
  until?: Date;
  /** Mongo cursor batch size: how many documents travel per round trip. */
  batchSize?: number;
}

/** Reads and writes FHIR resources in MongoDB (one collection per type); knows nothing of HTTP or Temporal. */
export class ResourceStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  collection(type: string): Collection<ResourceDocument> {
    return this.db.collection<ResourceDocument>(type);
  }

  /** Creates the indexes queries rely on; safe to call at every start. */
  async ensureIndexes(types: readonly string[]): Promise<void> {
    for (const type of types) {
      await this.collection(type).createIndex({ tenant: 1, lastUpdated: 1, _id: 1 }, { name: 'tenant_lastUpdated' });
    }
  }

  /**
   * The bulk write path: upserts resources by (tenant, type, id) in one round trip per call. Each resource gets
   * `meta.versionId` and `meta.lastUpdated` set here, not by the caller.
   */
  async upsertMany(tenant: string, resources: readonly FhirResource[]): Promise<void> {
    const byType = new Map<string, AnyBulkWriteOperation<ResourceDocument>[]>();
    const lastUpdated = this.now();
    for (const resource of resources) {
      if (!resource.id) throw new Error(`upsertMany needs ids; got a ${resource.resourceType} without one`);
      const stored: FhirResource = {
        ...resource,
        meta: { ...resource.meta, versionId: '1', lastUpdated: lastUpdated.toISOString() },
      };
      const doc: ResourceDocument = {
        _id: documentKey(tenant, resource.id),
        tenant,
        id: resource.id,
        versionId: 1,
        lastUpdated,
        deleted: false,
        resource: stored,
      };
      const ops = byType.get(resource.resourceType) ?? [];
      ops.push({ replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } });
      byType.set(resource.resourceType, ops);
    }
    for (const [type, ops] of byType) await this.collection(type).bulkWrite(ops, { ordered: false });
  }

  /** A cursor over a tenant's current (not deleted) resources of one type, in key order. */
  streamCurrent(tenant: string, type: string, options: StreamOptions = {}): FindCursor<ResourceDocument> {
    const range = tenantKeyRange(tenant);
    const gt = options.afterKey && options.afterKey > range.gte ? options.afterKey : undefined;
    return this.collection(type)
      .find({
        _id: { ...(gt ? { $gt: gt } : { $gte: range.gte }), $lt: range.lt },
        deleted: false,
        ...(options.until ? { lastUpdated: { $lte: options.until } } : {}),
      })
      .sort({ _id: 1 })
      .batchSize(options.batchSize ?? 1_000);
  }

  /** Removes every resource of a tenant, in every collection (sample reloads and tests; never a FHIR operation). */
  async deleteTenant(tenant: string): Promise<void> {
    const range = tenantKeyRange(tenant);
    for (const { name } of await this.db.listCollections({}, { nameOnly: true }).toArray()) {
      await this.db.collection<{ _id: string }>(name).deleteMany({ _id: { $gte: range.gte, $lt: range.lt } });
    }
  }

  async countCurrent(tenant: string, type: string): Promise<number> {
    const range = tenantKeyRange(tenant);
    return this.collection(type).countDocuments({ _id: { $gte: range.gte, $lt: range.lt }, deleted: false });
  }
}
