import type { FhirResource, FhirVersion } from '@fhir-bulk/fhir';
import { createHash } from 'node:crypto';
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
  /**
   * contentHash(resource), so a write of unchanged content (a re-import) is recognised from a small `_id` read without
   * the stored resource. Absent on tombstones and on documents written before it existed: those compare content.
   */
  contentHash?: string;
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
 * The stored form of one version: meta.versionId/lastUpdated are the store's, never the client's. Its search keys
 * and compartments are those of the tenant's FHIR `version`. A tombstone keeps the compartments of
 * `deletedVersion`, the version it deletes (its content is gone, but whose it was still matters).
 */
export function toDocument(
  tenant: string,
  resource: FhirResource & { id: string },
  stamp: VersionStamp,
  version: FhirVersion,
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
    search: deleted ? {} : extractSearchKeys(stored, version),
    compartments: deleted ? (deletedVersion?.compartments ?? []) : compartmentsOf(stored, version),
    ...(deleted ? {} : { contentHash: contentHash(stored) }),
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

/** SHA-256 (base64) of the content as sameContent sees it: equal hashes, same content. */
export function contentHash(resource: FhirResource): string {
  return createHash('sha256')
    .update(canonical(withoutVersionMeta(resource)))
    .digest('base64');
}

/**
 * Whether a stored version holds `resource`'s content: by its hash when it has one, else (written before hashes) by
 * comparing the content.
 */
export function storedSame(
  stored: Pick<ResourceDocument, 'resource' | 'contentHash'>,
  resource: FhirResource,
): boolean {
  return stored.contentHash === undefined
    ? sameContent(stored.resource, resource)
    : stored.contentHash === contentHash(resource);
}

function withoutVersionMeta(resource: FhirResource): FhirResource {
  const { versionId: _v, lastUpdated: _l, ...meta } = resource.meta ?? {};
  const { meta: _meta, ...rest } = resource;
  return Object.keys(meta).length > 0 ? { ...rest, meta } : (rest as FhirResource);
}

/** JSON with keys sorted and undefined members left out; built by concatenation, as it runs on every write. */
function canonical(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i > 0 ? ',' : ''}${canonical(value[i])}`;
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonical(record[key])}`;
  }
  return `${out}}`;
}
