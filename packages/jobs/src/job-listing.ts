import type { Db, Filter } from 'mongodb';
import {
  EXPORT_JOBS_COLLECTION,
  IMPORT_JOBS_COLLECTION,
  type JobKind,
  type JobRecord,
  type JobState,
} from './job-records';

/** What a job listing calls a job: view exports are export jobs, told apart by the operation that started them. */
export type ListedKind = 'export' | 'import' | 'view-export';
export const LISTED_KINDS: readonly ListedKind[] = ['export', 'import', 'view-export'];
export const JOB_STATES: readonly JobState[] = ['running', 'completed', 'failed', 'cancelled', 'deleted', 'expired'];

/** The operation whose kick-off URL starts view exports (`$viewdefinition-export`, also under `ViewDefinition/`). */
const VIEW_EXPORT_OPERATION = /\$viewdefinition-export/;

/** The listed kind of a job record kept with `kind`'s records, from the request that started it. */
export const listedKindOf = (kind: JobKind, requestUrl: string): ListedKind =>
  kind === 'export' && VIEW_EXPORT_OPERATION.test(requestUrl) ? 'view-export' : kind;

/** Where a page ends: the last job listed, in the listing's order (startTime descending, then id descending). */
export interface JobCursor {
  startTime: Date;
  jobId: string;
}

export interface JobListQuery {
  tenant: string;
  /** Only this client's jobs; every client's when absent (an admin's listing). */
  requestedBy?: string;
  /** Empty: every kind. */
  kinds: readonly ListedKind[];
  /** Empty: every state. */
  statuses: readonly JobState[];
  /** Jobs started at or after this instant. */
  since?: Date;
  count: number;
  /** The previous page's end. */
  after?: JobCursor;
}

export interface ListedJob {
  kind: ListedKind;
  record: JobRecord;
}

export interface JobPage {
  jobs: ListedJob[];
  /** Where the next page starts; absent on the last page. */
  next?: JobCursor;
}

/** The cursor as the opaque text a `next` link carries. */
export const encodeCursor = ({ startTime, jobId }: JobCursor): string =>
  Buffer.from(JSON.stringify([startTime.toISOString(), jobId])).toString('base64url');

/** The cursor of `text`, or undefined when it is not one encodeCursor made. */
export function decodeCursor(text: string): JobCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [time, jobId] = value as unknown[];
    const startTime = new Date(typeof time === 'string' ? time : Number.NaN);
    if (Number.isNaN(startTime.getTime()) || typeof jobId !== 'string' || jobId === '') return undefined;
    return { startTime, jobId };
  } catch {
    return undefined;
  }
}

/** The listing's order: newest first, ties by job id (descending), the same order the cursor's condition follows. */
export const listOrder = (a: JobRecord, b: JobRecord): number =>
  b.startTime.getTime() - a.startTime.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);

/**
 * One page from the sorted candidates of each collection (each at most `count + 1` long, in listOrder): merged,
 * cut at `count`, with a cursor when anything is left in either.
 */
export function mergePages(candidates: ListedJob[][], count: number): JobPage {
  const merged = candidates.flat().sort((a, b) => listOrder(a.record, b.record));
  const jobs = merged.slice(0, count);
  const last = jobs.at(-1);
  return merged.length > count && last
    ? { jobs, next: { startTime: last.record.startTime, jobId: last.record._id } }
    : { jobs };
}

/** Which of a collection's records the query asks for; undefined when it asks for none of that collection. */
export function listFilter(query: JobListQuery, kind: JobKind): Filter<JobRecord> | undefined {
  const wanted = query.kinds.length === 0 ? LISTED_KINDS : query.kinds;
  const kinds = wanted.filter((listed) => (listed === 'import') === (kind === 'import'));
  if (kinds.length === 0) return undefined;
  const filter: Filter<JobRecord> = {
    tenant: query.tenant,
    startTime: { $gte: query.since ?? new Date(0) },
  };
  if (query.requestedBy !== undefined) filter.requestedBy = query.requestedBy;
  if (query.statuses.length > 0) filter.status = { $in: [...query.statuses] };
  // Export records hold both kinds of export: one of the two asked for is picked by the kick-off URL.
  if (kind === 'export' && kinds.length === 1) {
    filter.request = kinds[0] === 'view-export' ? { $regex: VIEW_EXPORT_OPERATION } : { $not: VIEW_EXPORT_OPERATION };
  }
  const { after } = query;
  if (after) {
    filter.$or = [{ startTime: { $lt: after.startTime } }, { startTime: after.startTime, _id: { $lt: after.jobId } }];
  }
  return filter;
}

/**
 * The tenant's export, view export and import jobs from their records, a page at a time. On FerretDB v1 each
 * page reads both collections whole (it filters by index only `_id` lookups, and sorts in memory): a page's time
 * grows with every job ever recorded (docs/decisions.md has figures). No index serves it on MongoDB yet either.
 */
export class JobListing {
  constructor(private readonly db: Db) {}

  async list(query: JobListQuery): Promise<JobPage> {
    const collections = [
      ['export', EXPORT_JOBS_COLLECTION],
      ['import', IMPORT_JOBS_COLLECTION],
    ] as const;
    const candidates = await Promise.all(
      collections.map(async ([kind, name]) => {
        const filter = listFilter(query, kind);
        if (!filter) return [];
        const records = await this.db
          .collection<JobRecord>(name)
          .find(filter)
          .sort({ startTime: -1, _id: -1 })
          .limit(query.count + 1)
          .toArray();
        return records.map((record) => ({ kind: listedKindOf(kind, record.request), record }));
      }),
    );
    return mergePages(candidates, query.count);
  }
}
