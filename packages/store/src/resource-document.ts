import type { FhirResource } from '@fhir-bulk/fhir';
import { compartmentsOf, extractSearchKeys, type SearchKeys } from '@fhir-bulk/search';

/**
 * How resources are stored: each tenant has its own collections (tenant-collections.ts), one per type for each
 * resource's current version (or its tombstone) and `<Type>_history` for the versions before it. Keeping the current
 * version out of history makes a create one write, not two: bulk loads are bound by write volume (FerretDB/SQLite
 * takes about 4,300 documents/s here).
 *
 * `_id` is `${tenant}/${id}`: the stable sort key export partitions split on (a key range is a contiguous slice of
 * the tenant's collection). `search` and `compartments` are derived from the resource at write time
 * (packages/search), so queries never evaluate FHIRPath. The resource itself is stored as its JSON text: FerretDB
 * decodes a string twice as fast as the nested document (docs/decisions.md), and an export writes it as it is.
 */
export interface StoredDocument {
  _id: string;
  tenant: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  /** A tombstone: the resource was deleted at `lastUpdated`; kept for `_history`, `_since` and `deleted`. */
  deleted: boolean;
  /** The resource (meta.versionId/lastUpdated included) as JSON. */
  text: string;
  search: SearchKeys;
  /** A tombstone's are those of the version it deleted, so Patient- and Group-level exports can list the deletion. */
  compartments: string[];
}

/** A stored version as readers see it: `resource` is `text` parsed, on first use (an export may never need it). */
export interface ResourceDocument extends StoredDocument {
  resource: FhirResource;
}

/** A version in `<Type>_history`; `_id` is `${tenant}/${id}/${versionId}`. */
export type HistoryDocument = Omit<ResourceDocument, 'search' | 'compartments'>;
export type StoredHistoryDocument = Omit<StoredDocument, 'search' | 'compartments'>;

/** The reader's form of a stored document (current or history); the resource is parsed when first read. */
export function fromStored<T extends StoredHistoryDocument>(stored: T): T & { resource: FhirResource } {
  let parsed: FhirResource | undefined;
  return Object.defineProperty(stored, 'resource', {
    enumerable: true,
    get: () => (parsed ??= JSON.parse(stored.text) as FhirResource),
  }) as T & { resource: FhirResource };
}

/** The stored form of a reader's document: everything but the parsed resource. */
export function toStored<T extends StoredHistoryDocument>(doc: T & { resource?: FhirResource }): T {
  const { resource: _resource, ...stored } = doc;
  return stored as unknown as T;
}

export const documentKey = (tenant: string, id: string) => `${tenant}/${id}`;
export const historyKey = (tenant: string, id: string, versionId: number) => `${tenant}/${id}/${versionId}`;

/** The key range of one tenant: every key starts with `${tenant}/`, and '0' is the character after '/'. */
export function tenantKeyRange(tenant: string): { gte: string; lt: string } {
  return { gte: `${tenant}/`, lt: `${tenant}0` };
}

export interface VersionStamp {
  versionId: number;
  lastUpdated: Date;
  deleted?: boolean;
}

/**
 * The stored form of one version: meta.versionId/lastUpdated are the store's, never the client's. A tombstone keeps
 * the compartments of `deletedVersion`, the version it deletes (its content is gone, but whose it was still matters).
 */
export function toDocument(
  tenant: string,
  resource: FhirResource & { id: string },
  stamp: VersionStamp,
  deletedVersion?: Pick<ResourceDocument, 'compartments'>,
): ResourceDocument {
  const deleted = stamp.deleted ?? false;
  const meta = { ...resource.meta, versionId: String(stamp.versionId), lastUpdated: stamp.lastUpdated.toISOString() };
  const stored: FhirResource = deleted
    ? { resourceType: resource.resourceType, id: resource.id, meta }
    : { ...resource, meta };
  return {
    _id: documentKey(tenant, resource.id),
    tenant,
    id: resource.id,
    versionId: stamp.versionId,
    lastUpdated: stamp.lastUpdated,
    deleted,
    text: JSON.stringify(stored),
    resource: stored,
    search: deleted ? {} : extractSearchKeys(stored),
    compartments: deleted ? (deletedVersion?.compartments ?? []) : compartmentsOf(stored),
  };
}

/** The history copy of a stored version (its text as it is: nothing is parsed). */
export function toHistory(doc: StoredDocument): StoredHistoryDocument {
  const { tenant, id, versionId, lastUpdated, deleted, text } = doc;
  return { _id: historyKey(tenant, id, versionId), tenant, id, versionId, lastUpdated, deleted, text };
}

/** Content equality ignoring meta.versionId/lastUpdated: a write of identical content adds no version. */
export function sameContent(a: FhirResource, b: FhirResource): boolean {
  return canonical(withoutVersionMeta(a)) === canonical(withoutVersionMeta(b));
}

function withoutVersionMeta(resource: FhirResource): FhirResource {
  const { versionId: _v, lastUpdated: _l, ...meta } = resource.meta ?? {};
  const { meta: _meta, ...rest } = resource;
  return Object.keys(meta).length > 0 ? { ...rest, meta } : (rest as FhirResource);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
