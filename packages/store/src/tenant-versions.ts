import type { FhirVersion } from '@fhir-bulk/fhir';
import type { Collection, Db } from 'mongodb';
import { tenantCollections } from './tenant-collections';

/** The `tenants` collection: one document per tenant ever used, naming the FHIR version it speaks. */
export const TENANTS_COLLECTION = 'tenants';

interface TenantRecord {
  _id: string;
  fhirVersion: FhirVersion;
  since: Date;
}

/** What decides a tenant's version when it is first written: its configured one, else the default. */
export interface TenantVersionSettings {
  /** DEFAULT_FHIR_VERSION */
  defaultVersion: FhirVersion;
  /** TENANT_FHIR_VERSIONS */
  configured: ReadonlyMap<string, FhirVersion>;
}

/** R4 for every tenant: what a store given no settings assumes (tests and tools that predate versions). */
export const R4_TENANTS: TenantVersionSettings = { defaultVersion: '4.0.1', configured: new Map() };

/** A configured version that differs from the recorded one of a tenant that already holds resources. */
export class TenantVersionLockedError extends Error {
  constructor(
    readonly tenant: string,
    readonly recorded: FhirVersion,
    readonly configured: FhirVersion,
  ) {
    super(
      `tenant ${tenant} speaks FHIR ${recorded} and holds resources, so TENANT_FHIR_VERSIONS cannot make it ` +
        `${configured}; export its data, delete the tenant, and import it again into the new version`,
    );
    this.name = 'TenantVersionLockedError';
  }
}

/**
 * Each tenant's FHIR version (issue 15). It is recorded in the database when the tenant is first written (a resource
 * stored, or its configured version applied at start-up), so every API and worker process agrees, and a later change
 * of DEFAULT_FHIR_VERSION does not turn an existing tenant into another version. Requests only read it: a refused
 * request writes nothing, and an unknown tenant asked about creates nothing. A recorded version never changes while
 * the tenant holds resources (`applyConfigured` refuses at start-up), so processes may keep what they read.
 */
export class TenantVersions {
  private readonly records: Collection<TenantRecord>;
  private readonly known = new Map<string, Promise<FhirVersion>>();

  constructor(
    private readonly db: Db,
    private readonly settings: TenantVersionSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.records = db.collection<TenantRecord>(TENANTS_COLLECTION);
  }

  /** The tenant's version, recorded now if nothing is yet: for what writes to the tenant. */
  versionOf(tenant: string): Promise<FhirVersion> {
    let version = this.known.get(tenant);
    if (!version) {
      version = this.recordedOrFirst(tenant);
      this.known.set(tenant, version);
      version.catch(() => this.known.delete(tenant));
    }
    return version;
  }

  /**
   * The tenant's version, or the one its first write will record, without recording it: for requests, which must
   * not write before they are accepted. A recorded version is kept (it does not change while processes run).
   */
  async presumedVersionOf(tenant: string): Promise<FhirVersion> {
    const known = this.known.get(tenant);
    if (known) return known;
    const recorded = await this.records.findOne({ _id: tenant });
    if (!recorded) return this.firstVersionOf(tenant);
    this.known.set(tenant, Promise.resolve(recorded.fhirVersion));
    return recorded.fhirVersion;
  }

  private async recordedOrFirst(tenant: string): Promise<FhirVersion> {
    const recorded = await this.records.findOne({ _id: tenant });
    if (recorded) return recorded.fhirVersion;
    const fhirVersion = this.firstVersionOf(tenant);
    try {
      await this.records.insertOne({ _id: tenant, fhirVersion, since: this.now() });
      return fhirVersion;
    } catch (error) {
      // Another process recorded it first: its record stands.
      if ((error as { code?: number }).code !== 11000) throw error;
      const winner = await this.records.findOne({ _id: tenant });
      if (!winner) throw error;
      return winner.fhirVersion;
    }
  }

  /** What a tenant's first write records: its configured version, else the default. */
  private firstVersionOf(tenant: string): FhirVersion {
    return this.settings.configured.get(tenant) ?? this.settings.defaultVersion;
  }

  /**
   * At start-up: records every configured tenant's version. A tenant recorded with another version is moved to
   * the configured one only while it holds no resources; otherwise TenantVersionLockedError.
   */
  async applyConfigured(): Promise<void> {
    for (const [tenant, configured] of this.settings.configured) {
      const recorded = await this.versionOf(tenant);
      if (recorded === configured) continue;
      if (await holdsResources(this.db, tenant)) throw new TenantVersionLockedError(tenant, recorded, configured);
      await this.records.updateOne({ _id: tenant }, { $set: { fhirVersion: configured, since: this.now() } });
      this.known.set(tenant, Promise.resolve(configured));
    }
  }
}

/** Whether any of the tenant's collections holds a document: read only when a version would move. */
async function holdsResources(db: Db, tenant: string): Promise<boolean> {
  for (const { name } of (await tenantCollections(db)).filter((c) => c.tenant === tenant)) {
    if (await db.collection(name).findOne({}, { projection: { _id: 1 } })) return true;
  }
  return false;
}

/** The settings as the configuration names them (packages/config). */
export const tenantVersionSettings = (config: {
  DEFAULT_FHIR_VERSION: FhirVersion;
  TENANT_FHIR_VERSIONS: ReadonlyMap<string, FhirVersion>;
}): TenantVersionSettings => ({ defaultVersion: config.DEFAULT_FHIR_VERSION, configured: config.TENANT_FHIR_VERSIONS });
