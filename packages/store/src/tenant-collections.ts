import { isResourceTypeOf } from '@fhir-bulk/fhir';
import type { Collection, Db } from 'mongodb';
import type { StoredDocument, StoredHistoryDocument } from './resource-document';

/**
 * Where a tenant's resources live: collections of its own, `t.<tenant>.<Type>` (current versions) and
 * `t.<tenant>.<Type>_history`, in the one database. FerretDB v1 evaluates every filter but `{_id}` by decoding the
 * whole collection, so a shared collection made one tenant's scans decode every tenant's documents; apart, a scan,
 * count or export costs only the tenant's own data, and deleting a tenant is dropping its collections.
 *
 * Collections, not databases, per tenant (docs/decisions.md, 2026-12-07): tenant ids are case-sensitive
 * (`/^[A-Za-z0-9_-]{1,64}$/`) and MongoDB refuses two database names that differ only in case, while collection
 * names are case-sensitive on MongoDB and on FerretDB (which maps each to a table through a hash of the name). The
 * `t.` prefix keeps tenant collections apart from the server's own (jobs, clients…) and from MongoDB's reserved
 * `system.` names; a tenant id has no '.', so the prefix of one tenant is never another's.
 */
export const tenantPrefix = (tenant: string) => `t.${tenant}.`;
export const currentCollectionName = (tenant: string, type: string) => `${tenantPrefix(tenant)}${type}`;
export const historyCollectionName = (tenant: string, type: string) => `${tenantPrefix(tenant)}${type}_history`;

export function currentCollection(db: Db, tenant: string, type: string): Collection<StoredDocument> {
  return db.collection<StoredDocument>(currentCollectionName(tenant, type));
}

export function historyCollection(db: Db, tenant: string, type: string): Collection<StoredHistoryDocument> {
  return db.collection<StoredHistoryDocument>(historyCollectionName(tenant, type));
}

/** The names of every tenant collection (current and history) in the database, with whose and which type they are. */
export async function tenantCollections(
  db: Db,
): Promise<Array<{ name: string; tenant: string; type: string; history: boolean }>> {
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  return collections.flatMap(({ name }) => {
    const match = /^t\.([A-Za-z0-9_-]{1,64})\.([A-Za-z]+)(_history)?$/.exec(name);
    return match ? [{ name, tenant: match[1]!, type: match[2]!, history: match[3] !== undefined }] : [];
  });
}

/**
 * The collections of the layout before 2026-12-07 (issue 18): `<Type>` and `<Type>_history` shared by every tenant,
 * the resource as a nested document. Any left means `npm run migrate` has work to do.
 */
export async function legacyCollections(db: Db): Promise<string[]> {
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  return collections
    .map(({ name }) => name)
    .filter((name) => isStoredType(name.replace(/_history$/, '')))
    .sort();
}

/**
 * The types the old layout stored as resources: R4's (every tenant was R4 then), and ViewDefinition (SQL on FHIR's
 * logical model, stored all the same).
 */
const isStoredType = (type: string) => isResourceTypeOf('4.0.1', type) || type === 'ViewDefinition';

/** Thrown at start by the API and the worker when the store still holds data in the old layout. */
export class StoreNeedsMigrationError extends Error {
  constructor(readonly collections: string[]) {
    super(
      `the database holds resources in the layout before issue 18 (${collections.length} collections, e.g. ` +
        `${collections.slice(0, 3).join(', ')}); stop the API and workers and run \`npm run migrate\`, then start again`,
    );
    this.name = 'StoreNeedsMigrationError';
  }
}

/** Refuses a store that still needs `npm run migrate`; an empty or migrated store passes. */
export async function assertMigrated(db: Db): Promise<void> {
  const legacy = await legacyCollections(db);
  if (legacy.length > 0) throw new StoreNeedsMigrationError(legacy);
}
