import type { Collection, Db } from 'mongodb';
import { createHash } from 'node:crypto';

/** Documents keyed by a hash that stop counting at `expiresAt`; expired ones are deleted now and then. */
export interface ExpiringDocument {
  _id: string;
  expiresAt: Date;
}

const PURGE_EVERY_MS = 60_000;

/** SHA-256 hex: stored ids never hold the secret or client-chosen text itself, and have a fixed length. */
export const hashOf = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex');

/**
 * A collection of expiring documents. FerretDB v1 has no TTL indexes, so expired documents are removed by this
 * process instead, at most once a minute, on a write.
 */
export class ExpiringCollection<T extends ExpiringDocument> {
  readonly collection: Collection<T>;
  private lastPurge = 0;

  constructor(db: Db, name: string) {
    this.collection = db.collection<T>(name);
  }

  /** Inserts a document; false when one with its id already exists. */
  async insertNew(document: T, now: Date): Promise<boolean> {
    await this.purgeExpired(now);
    try {
      await this.collection.insertOne(document as Parameters<Collection<T>['insertOne']>[0]);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  /** The document with `id`, unless it has expired. */
  async findLive(id: string, now: Date): Promise<T | null> {
    const document = (await this.collection.findOne({ _id: id } as never)) as T | null;
    return document && document.expiresAt > now ? document : null;
  }

  private async purgeExpired(now: Date): Promise<void> {
    if (now.getTime() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now.getTime();
    await this.collection.deleteMany({ expiresAt: { $lt: now } } as never);
  }
}
