import type {
  ExportJobs,
  ExportJobStatus,
  ImportJobs,
  ImportJobStatus,
  JobRecordReader,
} from '@fhir-bulk/api/src/job-interfaces';
import type { ExportJobInput } from '@fhir-bulk/export';
import { type ImportJobInput, recordedImport } from '@fhir-bulk/import';
import type { JobRecord, JobState, RecordedJob } from '@fhir-bulk/jobs';

/** Job records in memory: written as fake jobs start and are cancelled, read by the routes' ownership check. */
export class MemoryJobRecords implements JobRecordReader {
  private readonly records = new Map<string, JobRecord>();

  async find(jobId: string): Promise<JobRecord | null> {
    return this.records.get(jobId) ?? null;
  }

  all(): JobRecord[] {
    return [...this.records.values()];
  }

  started(job: RecordedJob, startTime: Date): void {
    const { jobId, tenant, requestedBy, requestUrl, types } = job;
    this.records.set(jobId, {
      _id: jobId,
      tenant,
      status: 'running',
      requestedBy,
      request: requestUrl,
      types,
      startTime,
    });
  }

  /** Sets the job's state, and what its end recorded (metrics, end time) when given. */
  mark(jobId: string, status: JobState, ended: Partial<JobRecord> = {}): void {
    const record = this.records.get(jobId);
    if (record) this.records.set(jobId, { ...record, ...ended, status });
  }
}

/**
 * The job interfaces (ExportJobs, ImportJobs) kept in memory, for route tests without Temporal: `start` records the
 * job as the Temporal implementation does (so its owner can poll at once) and keeps its input in `started`; the job
 * then answers `running` until a test sets another status with `answer`. Cancelling a running job marks it
 * cancelled, a finished one deleted; either way it is gone from then on, as a cancelled Temporal job is.
 */
export class FakeJobs<
  Input extends { jobId: string; tenant: string; transactionTime: string },
  S extends { state: string },
> {
  readonly records = new MemoryJobRecords();
  /** Every job started, in order: what the kick-off handed to the job. */
  readonly started: Input[] = [];
  private readonly statuses = new Map<string, S>();

  constructor(
    private readonly recordOf: (input: Input) => RecordedJob,
    private readonly running: S,
    private readonly gone: S,
  ) {}

  async start(input: Input): Promise<void> {
    this.started.push(input);
    this.records.started(this.recordOf(input), new Date(input.transactionTime));
    this.statuses.set(input.jobId, this.running);
  }

  /** What the job's status answers from now on. */
  answer(jobId: string, status: S): void {
    this.statuses.set(jobId, status);
  }

  async status(tenant: string, jobId: string): Promise<S> {
    return (await this.live(tenant, jobId)) ? this.statuses.get(jobId)! : this.gone;
  }

  async cancel(tenant: string, jobId: string): Promise<boolean> {
    if (!(await this.live(tenant, jobId))) return false;
    this.records.mark(jobId, this.statuses.get(jobId)!.state === 'running' ? 'cancelled' : 'deleted');
    return true;
  }

  /** A job of this tenant that was neither cancelled nor deleted (jobs of other tenants are as absent). */
  private async live(tenant: string, jobId: string): Promise<boolean> {
    const record = await this.records.find(jobId);
    return record?.tenant === tenant && record.status === 'running';
  }
}

export const fakeExportJobs = (): FakeJobs<ExportJobInput, ExportJobStatus> & ExportJobs =>
  new FakeJobs<ExportJobInput, ExportJobStatus>((input) => input, { state: 'running' }, { state: 'gone' });

export const fakeImportJobs = (): FakeJobs<ImportJobInput, ImportJobStatus> & ImportJobs =>
  new FakeJobs<ImportJobInput, ImportJobStatus>(recordedImport, { state: 'running' }, { state: 'gone' });
