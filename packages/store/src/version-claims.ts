import type { Collection, Db } from 'mongodb';
import { randomUUID } from 'node:crypto';

/**
 * Claims on the next version of a resource: the compare-and-swap of servers that answer only `{_id: <string>}`
 * filters through an index (FerretDB v1, where an update's `replaceOne({_id, versionId})` scans its whole
 * collection: 875 ms at 20,000 documents, docs/decisions.md). It is also the only compare-and-swap there: FerretDB
 * evaluates such a filter by reading the matching documents and then writing them back by `_id`, so two writers
 * can both match the same version (two racing processes lost 9 of 80 updates so); only a unique `_id` insert is
 * atomic.
 *
 * A writer that read version v inserts the claim `…@{v + 1}`; the unique `_id` lets one writer hold it. It then
 * reads the resource again (the claim may be free because another writer already finished moving v), and only if
 * v is still current does it archive v and replace the document by `_id`, then delete the claim by `_id`. So no
 * two writers both move one version, and every write to the resource collections is by `_id`.
 *
 * A claim carries a lease. A writer killed while holding one leaves it behind; the first writer that finds it
 * expired claims the key `{expired key}>{its owner}` instead, so that of several such writers again only one
 * wins, and no claim is ever deleted but by `_id` by the writer that holds it or by the one that took it over
 * (a conditional delete would be read-then-delete too). The read that follows every claim tells the taker whether
 * the dead writer had replaced the document already (then the version moved on and this write conflicts) or not
 * (then it writes; the archive the dead writer may have left is rewritten the same). This is only safe if a live
 * writer never stalls past the lease between its claim and its replace: writers check the lease before replacing,
 * and the lease is long next to a write (milliseconds) and to the clock skew between hosts.
 *
 * The claims collection holds the claims of writes in flight, and one claim per writer killed after its replace
 * (no later writer claims that version), so a scan of it would be cheap; it is still read and written by `_id`.
 */
export const CLAIM_LEASE_MS = 30_000;

const CLAIMS = 'resource_claims';
/** Writers killed one after another on the same version: past this many, a write conflicts (409) instead. */
const MAX_TAKEOVERS = 8;

interface ClaimDocument {
  /** `${type}/${documentKey}@${version}`, then `>${owner}` per dead writer taken over. */
  _id: string;
  owner: string;
  expiresAt: Date;
}

export interface Claim {
  /** The key this writer holds, then the expired claims it took over. */
  keys: string[];
}

export const claimKey = (type: string, documentKey: string, version: number) => `${type}/${documentKey}@${version}`;

export class VersionClaims {
  constructor(private readonly db: Db) {}

  /** Takes the claim on `key` (or on the claim of a dead writer there), or answers null when a live writer holds it. */
  async take(key: string, now: Date): Promise<Claim | null> {
    const owner = randomUUID();
    const expiresAt = new Date(now.getTime() + CLAIM_LEASE_MS);
    const keys = [key];
    for (let attempt = 0; attempt <= MAX_TAKEOVERS; attempt++) {
      try {
        await this.claims().insertOne({ _id: keys[0]!, owner, expiresAt });
        return { keys };
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      const held = await this.claims().findOne({ _id: keys[0]! });
      if (held && held.expiresAt > now) return null;
      // Released meanwhile: try the same key again.
      if (held) keys.unshift(`${keys[0]!}>${held.owner}`);
    }
    return null;
  }

  /** Deletes the claim, and the dead writers' claims it took over (their versions are decided now). */
  async release(claim: Claim): Promise<void> {
    await this.claims().bulkWrite(
      claim.keys.map((_id) => ({ deleteOne: { filter: { _id } } })),
      { ordered: false },
    );
  }

  private claims(): Collection<ClaimDocument> {
    return this.db.collection<ClaimDocument>(CLAIMS);
  }
}
