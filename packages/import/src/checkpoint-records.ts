import type { Collection, Db } from 'mongodb';
import type { ImportCheckpoint } from './import-job';

export const IMPORT_CHECKPOINTS_COLLECTION = 'import_checkpoints';

interface CheckpointDocument extends ImportCheckpoint {
  /** `{jobId}/{file index}`: one record per input file, replaced whole at each checkpoint. */
  _id: string;
  jobId: string;
}

/**
 * Each import file's latest checkpoint, kept in MongoDB as well as in the activity's heartbeat. The SDK sends a
 * heartbeat at most every 0.8 × the heartbeat timeout, so the checkpoint Temporal holds can be seconds behind what
 * was written, and a resumed attempt would rewrite those seconds of lines (each one a read and a compare). This
 * record is written after every batch that moves the checkpoint, so a resumed attempt redoes only the batches
 * that were being written when the worker died. Every record is a whole checkpoint (its error parts written
 * first), so whichever of the two a resume starts from is consistent.
 */
export class ImportCheckpointRecords {
  private readonly records: Collection<CheckpointDocument>;

  constructor(db: Db) {
    this.records = db.collection(IMPORT_CHECKPOINTS_COLLECTION);
  }

  async save(jobId: string, file: number, checkpoint: ImportCheckpoint): Promise<void> {
    const { offset, line, count, errors, errorParts, ahead = [] } = checkpoint;
    // Filtered by _id alone: the one filter FerretDB answers from its _id index.
    await this.records.replaceOne(
      { _id: recordId(jobId, file) },
      { jobId, offset, line, count, errors, errorParts, ahead },
      { upsert: true },
    );
  }

  async load(jobId: string, file: number): Promise<ImportCheckpoint | undefined> {
    const record = await this.records.findOne({ _id: recordId(jobId, file) });
    if (!record) return undefined;
    const { offset, line, count, errors, errorParts, ahead } = record;
    return { offset, line, count, errors, errorParts, ...(ahead?.length ? { ahead } : {}) };
  }

  /** Once the job has ended (or was purged): its files will never resume. */
  async forget(jobId: string): Promise<void> {
    await this.records.deleteMany({ jobId });
  }
}

const recordId = (jobId: string, file: number) => `${jobId}/${file}`;

/**
 * The checkpoint further into the file: a resumed attempt starts there (both are whole, consistent checkpoints).
 * At the same offset `b`, the later-written one (the record, whose `ahead` is newer than the throttled heartbeat's).
 */
export function furthest(
  a: ImportCheckpoint | undefined,
  b: ImportCheckpoint | undefined,
): ImportCheckpoint | undefined {
  if (!a || !b) return a ?? b;
  return b.offset >= a.offset ? b : a;
}
