import type { Collection, Db } from 'mongodb';

export type JobState = 'running' | 'completed' | 'failed' | 'cancelled' | 'deleted' | 'expired';

/** One job (export or import): who asked, its state and metrics, kept in MongoDB after Temporal has forgotten it. */
export interface JobRecord {
  _id: string;
  tenant: string;
  status: JobState;
  requestedBy: string;
  request: string;
  types: string[];
  startTime: Date;
  endTime?: Date;
  totalRecords?: number;
  fileCount?: number;
  totalSize?: number;
  error?: string;
  /** When the outputs are deleted (retention); set on completion. */
  expiresAt?: Date;
}

/** Exports: the highest resources-written count per type a status poll has answered (progressAtLeast). */
interface PollProgress {
  _id: string;
  byType: Record<string, number>;
}

/**
 * A job its client cancelled or deleted, or retention expired: it answers 404 whatever its workflow still holds.
 * Here, not with the Temporal code, so the routes' ownership check reads it without loading the Temporal client.
 */
export const isGone = (record: JobRecord | null) =>
  record !== null && ['cancelled', 'deleted', 'expired'].includes(record.status);

/** A finished job's figures: exports count resources and files written; imports resources and input files read. */
export interface JobMetrics {
  totalRecords: number;
  fileCount: number;
  totalSize: number;
}

export const EXPORT_JOBS_COLLECTION = 'export_jobs';
export const IMPORT_JOBS_COLLECTION = 'import_jobs';
/**
 * Poll progress lives beside the job records, not in them: FerretDB v1 applies an update by rewriting the whole
 * document, so a poll's write racing the worker's `completed` lost the completion (measured: 24 of 40 races), and
 * the job read as running, with no expiresAt, until retention took it for abandoned.
 */
export const POLL_PROGRESS_COLLECTION = 'job_poll_progress';

/** What records need of a job: exports and imports both have these. */
export interface RecordedJob {
  jobId: string;
  tenant: string;
  requestedBy: string;
  requestUrl: string;
  types: string[];
}

export type JobKind = 'export' | 'import';

/**
 * Job records of one kind of job. Every write is keyed by job id, so an activity retried after a crash is harmless.
 * Exports keep theirs in `export_jobs`; imports in `import_jobs`, with resources imported as totalRecords and input
 * files as fileCount. Who did what is in the tenant's AuditEvents (packages/audit), not here.
 */
export class JobRecords {
  private readonly jobs: Collection<JobRecord>;
  private readonly pollProgress: Collection<PollProgress>;

  constructor(db: Db, kind: JobKind) {
    this.jobs = db.collection(kind === 'export' ? EXPORT_JOBS_COLLECTION : IMPORT_JOBS_COLLECTION);
    this.pollProgress = db.collection(POLL_PROGRESS_COLLECTION);
  }

  /**
   * The API (at kick-off) and the worker (at plan) both record the start, so the two upserts can race: the loser's
   * insert fails on the unique _id, which means the record exists, and `$setOnInsert` would not have changed it.
   */
  async started(input: RecordedJob, startTime: Date): Promise<void> {
    await this.jobs
      .updateOne(
        { _id: input.jobId },
        {
          $setOnInsert: {
            tenant: input.tenant,
            status: 'running',
            requestedBy: input.requestedBy,
            request: input.requestUrl,
            types: input.types,
            startTime,
          },
        },
        { upsert: true },
      )
      .catch((error: { code?: number }) => {
        if (error.code !== 11000) throw error;
      });
  }

  /** False when the job was cancelled meanwhile (a DELETE that raced the manifest): its files must go. */
  async completed(input: RecordedJob, metrics: JobMetrics, endTime: Date, expiresAt: Date): Promise<boolean> {
    const { matchedCount } = await this.jobs.updateOne(
      { _id: input.jobId, status: { $in: ['running', 'completed'] } },
      { $set: { status: 'completed', ...metrics, endTime, expiresAt } },
    );
    return matchedCount === 1;
  }

  /**
   * Raises the record's per-type counts to at least `byType` and returns them, so the progress a status poll
   * answers never goes back, across API restarts too: a partition resumed after a crash rewrites its unfinished
   * file, and its heartbeat counts that file again from zero.
   */
  async progressAtLeast(jobId: string, byType: Record<string, number>): Promise<Record<string, number>> {
    const raised = Object.entries(byType).map(([type, count]) => [`byType.${type}`, count]);
    // No projection: FerretDB v1's findAndModify does not implement one.
    const raise = () =>
      this.pollProgress.findOneAndUpdate(
        { _id: jobId },
        { $max: Object.fromEntries(raised) },
        { upsert: true, returnDocument: 'after' },
      );
    const progress =
      raised.length === 0
        ? await this.pollProgress.findOne({ _id: jobId })
        : // Polls of one job at once (API replicas, or no poll throttle) race to insert its first progress; the
          // loser's upsert fails on the _id the winner just created, and once more it finds and raises that one.
          await raise().catch((error: { code?: number }) => {
            if (error.code !== 11000) throw error;
            return raise();
          });
    return progress?.byType ?? byType;
  }

  /** A client's DELETE of a running job; written before the workflow is cancelled so polls answer 404 at once. */
  async cancelRequested(jobId: string, tenant: string): Promise<void> {
    await this.jobs.updateOne({ _id: jobId }, { $set: { status: 'cancelled', tenant } }, { upsert: true });
  }

  async ended(input: RecordedJob, status: 'failed' | 'cancelled', endTime: Date, error?: string): Promise<void> {
    await this.jobs.updateOne({ _id: input.jobId }, { $set: { status, endTime, ...(error ? { error } : {}) } });
  }

  /** Outputs removed: by a client's DELETE after completion, or by retention. */
  async purged(jobId: string, status: 'deleted' | 'expired'): Promise<void> {
    await this.jobs.updateOne({ _id: jobId }, { $set: { status } });
    await this.pollProgress.deleteOne({ _id: jobId });
  }

  find(jobId: string): Promise<JobRecord | null> {
    return this.jobs.findOne({ _id: jobId });
  }

  /**
   * Jobs whose outputs must go: completed ones past retention, and ones still marked running although they
   * started before `abandonedBefore` (timed out or terminated by an operator: no cleanup step ran for them).
   */
  expired(now: Date, abandonedBefore: Date, limit: number): Promise<JobRecord[]> {
    return this.jobs
      .find({
        $or: [
          { status: 'completed', expiresAt: { $lte: now } },
          { status: 'running', startTime: { $lte: abandonedBefore } },
        ],
      })
      .limit(limit)
      .toArray();
  }

  /**
   * Hands every job whose outputs must go (see `expired`) to `purge`, a page at a time; `purge` deletes them and
   * marks the record purged, so no job comes twice. Returns how many (the retention workflow reports it).
   */
  purgeExpired(
    { now, retentionHours, timeoutHours }: { now: Date; retentionHours: number; timeoutHours: number },
    purge: (record: JobRecord) => Promise<void>,
  ): Promise<number> {
    const abandonedBefore = new Date(now.getTime() - (timeoutHours + retentionHours) * 3_600_000);
    return eachPage(() => this.expired(now, abandonedBefore, 100), purge);
  }

  /**
   * Records kept long enough: jobs over, their files gone (failed, cancelled, deleted or expired; a completed job
   * waits for its outputs' expiry), started before `startedBefore`.
   */
  private finished(startedBefore: Date, limit: number): Promise<JobRecord[]> {
    return this.jobs
      .find({ status: { $in: ['failed', 'cancelled', 'deleted', 'expired'] }, startTime: { $lte: startedBefore } })
      .limit(limit)
      .toArray();
  }

  /**
   * Deletes the records of jobs that started more than `recordRetentionDays` ago and are over (see `finished`), with
   * their poll progress, each after `sweep` has removed whatever else of the job is left: the record goes last, so a
   * crash in between leaves it for the next run. Returns how many.
   */
  removeFinished(
    { now, recordRetentionDays }: { now: Date; recordRetentionDays: number },
    sweep: (record: JobRecord) => Promise<void>,
  ): Promise<number> {
    const startedBefore = new Date(now.getTime() - recordRetentionDays * 86_400_000);
    return eachPage(
      () => this.finished(startedBefore, 100),
      async (record) => {
        await sweep(record);
        await this.pollProgress.deleteOne({ _id: record._id });
        await this.jobs.deleteOne({ _id: record._id });
      },
    );
  }

  /**
   * Bytes of output each tenant's completed jobs still hold (totalSize of jobs not yet deleted or expired). A running
   * job's files are not counted until it completes; an import's totalSize is its input, not held here.
   */
  async storedBytesByTenant(): Promise<Map<string, number>> {
    const bytes = new Map<string, number>();
    const completed = this.jobs.find({ status: 'completed' }, { projection: { tenant: 1, totalSize: 1 } });
    for await (const { tenant, totalSize = 0 } of completed) bytes.set(tenant, (bytes.get(tenant) ?? 0) + totalSize);
    return bytes;
  }
}

/**
 * Hands every record `page` finds to `handle`, a page at a time, until a page comes back empty; `handle` must take
 * the record out of what `page` finds (purged, removed), so none comes twice. Returns how many were handled.
 */
async function eachPage(page: () => Promise<JobRecord[]>, handle: (record: JobRecord) => Promise<void>) {
  let handled = 0;
  for (let records = await page(); records.length > 0; records = await page()) {
    for (const record of records) await handle(record);
    handled += records.length;
  }
  return handled;
}
