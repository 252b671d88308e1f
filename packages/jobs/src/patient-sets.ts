import type { Collection, Db } from 'mongodb';

/** Ids per stored chunk: small enough for one document, large enough that a 1M-member Group is 100 reads. */
const CHUNK = 10_000;
export const PATIENT_SETS_COLLECTION = 'export_patient_sets';

interface PatientSetChunk {
  _id: string;
  jobId: string;
  ids: string[];
}

/** Where a saved set is: the workflow carries only this, never the ids (Temporal history stays small). */
export interface PatientSetRef {
  jobId: string;
  chunks: number;
  size: number;
}

/**
 * The patients a Group or `patient` export is limited to, stored in MongoDB by the planning activity and read by
 * each partition activity. Chunks are read by `_id`, the one lookup FerretDB v1 answers without a scan.
 */
export class PatientSets {
  private readonly collection: Collection<PatientSetChunk>;

  constructor(db: Db) {
    this.collection = db.collection(PATIENT_SETS_COLLECTION);
  }

  /** Saves ids (deduplicated) under the job; rerunning it overwrites the same chunks. */
  async save(jobId: string, ids: Iterable<string>): Promise<PatientSetRef> {
    const unique = [...new Set(ids)];
    const chunks = Math.ceil(unique.length / CHUNK);
    for (let n = 0; n < chunks; n++) {
      const chunk = { _id: `${jobId}/${n}`, jobId, ids: unique.slice(n * CHUNK, (n + 1) * CHUNK) };
      await this.collection.replaceOne({ _id: chunk._id }, chunk, { upsert: true });
    }
    return { jobId, chunks, size: unique.length };
  }

  async load(ref: PatientSetRef): Promise<Set<string>> {
    const ids = new Set<string>();
    for (let n = 0; n < ref.chunks; n++) {
      const chunk = await this.collection.findOne({ _id: `${ref.jobId}/${n}` });
      if (!chunk) throw new Error(`patient set chunk ${ref.jobId}/${n} is missing`);
      for (const id of chunk.ids) ids.add(id);
    }
    return ids;
  }

  /**
   * Deletes the job's set, whatever became of its ref (a plan that failed after saving it returns none; a job
   * Temporal ended has no cleanup step). By `jobId`, a scan on FerretDB, but of sets of running jobs only, once per job.
   */
  async delete(jobId: string): Promise<void> {
    await this.collection.deleteMany({ jobId });
  }
}
