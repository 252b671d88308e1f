import type { Collection, Db } from 'mongodb';
import type { Submission } from './submission';

export const SUBMISSIONS_COLLECTION = 'bulk_submissions';

/** `$bulk-submit` submissions in MongoDB, one document each, changed only over the revision a change was made from. */
export class SubmissionRecords {
  private readonly records: Collection<Submission>;

  constructor(db: Db) {
    this.records = db.collection(SUBMISSIONS_COLLECTION);
  }

  find(id: string): Promise<Submission | null> {
    // Filtered by _id alone: the one filter FerretDB answers from its _id index.
    return this.records.findOne({ _id: id });
  }

  /**
   * Saves `next` if the stored submission is still at `next.revision - 1` (absent for the first); false when another
   * request changed it in between, so two requests never both add to the same state.
   */
  async save(next: Submission): Promise<boolean> {
    if (next.revision === 1) {
      try {
        await this.records.insertOne(next);
        return true;
      } catch (error) {
        if ((error as { code?: number }).code === 11000) return false;
        throw error;
      }
    }
    const { matchedCount } = await this.records.replaceOne({ _id: next._id, revision: next.revision - 1 }, next);
    return matchedCount === 1;
  }
}
