import {
  type JobKind,
  type JobListQuery,
  type JobPage,
  type ListedJob,
  listedKindOf,
  listOrder,
  mergePages,
} from '@fhir-bulk/jobs';
import type { MemoryJobRecords } from './fake-jobs';

/** The job listing over the fake jobs' records, as JobListing answers it from MongoDB (same order and pages). */
export class MemoryJobListing {
  constructor(private readonly sources: ReadonlyArray<[JobKind, MemoryJobRecords]>) {}

  async list(query: JobListQuery): Promise<JobPage> {
    const candidates = this.sources.map(([kind, records]) =>
      records
        .all()
        .map((record): ListedJob => ({ kind: listedKindOf(kind, record.request), record }))
        .filter((job) => listed(job, query))
        .sort((a, b) => listOrder(a.record, b.record))
        .slice(0, query.count + 1),
    );
    return mergePages(candidates, query.count);
  }
}

function listed({ kind, record }: ListedJob, query: JobListQuery): boolean {
  const { after } = query;
  return (
    record.tenant === query.tenant &&
    (query.requestedBy === undefined || record.requestedBy === query.requestedBy) &&
    (query.kinds.length === 0 || query.kinds.includes(kind)) &&
    (query.statuses.length === 0 || query.statuses.includes(record.status)) &&
    record.startTime >= (query.since ?? new Date(0)) &&
    (!after || listOrder(record, { ...record, startTime: after.startTime, _id: after.jobId }) > 0)
  );
}
