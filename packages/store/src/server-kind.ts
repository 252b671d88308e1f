import type { Db } from 'mongodb';

/** What the MongoDB-protocol server behind a connection can do; decides transaction and partitioning strategy. */
export interface ServerKind {
  /** FerretDB v1 says so in buildInfo. */
  ferretdb: boolean;
  /** Replica sets and mongos run multi-document transactions; FerretDB v1 and standalone mongod do not. */
  transactions: boolean;
  /**
   * Whether a key-range query reads only its range through the `_id` index. FerretDB v1 pushes down nothing but
   * `{_id: <string>}` equality, so there every range query scans the whole collection (docs/decisions.md).
   */
  indexedRangeScans: boolean;
  /**
   * Whether an update's compare-and-swap filter `{_id, versionId}` is answered through the `_id` index. FerretDB v1
   * scans the collection for it, so writes there claim versions instead (version-claims.ts).
   */
  indexedCompareAndSwap: boolean;
}

export async function detectServer(db: Db): Promise<ServerKind> {
  const admin = db.admin();
  const [hello, buildInfo] = await Promise.all([admin.command({ hello: 1 }), admin.command({ buildInfo: 1 })]);
  const ferretdb = 'ferretdbVersion' in buildInfo;
  return {
    ferretdb,
    transactions: !ferretdb && (typeof hello.setName === 'string' || hello.msg === 'isdbgrid'),
    indexedRangeScans: !ferretdb,
    indexedCompareAndSwap: !ferretdb,
  };
}
