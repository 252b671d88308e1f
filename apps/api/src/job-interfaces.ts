/**
 * What the routes need of each kind of job, independent of how jobs run: `temporal-export-jobs.ts` and
 * `temporal-import-jobs.ts` implement these over Temporal and MongoDB.
 */
import type { ExportErrorCode, ExportJobInput, ExportManifest, ExportProgress } from '@fhir-bulk/export';
import type { ImportJobInput, ImportJobStatus, SubmissionRecords } from '@fhir-bulk/import';
import type { JobRecords } from '@fhir-bulk/jobs';

export type { ImportJobStatus };

/** What the API can learn about an export job, independent of how jobs run. */
export type ExportJobStatus =
  /** `partial`: the files finished so far in recorded order, for clients that allowed partial manifests. */
  | { state: 'running'; progress?: ExportProgress; partial?: ExportManifest }
  /** `paged`: the client allowed partial manifests, so the manifest may be served in pages. */
  | { state: 'completed'; manifestKey: string; expiresAt: Date; paged: boolean }
  | { state: 'failed'; message: string; code?: ExportErrorCode }
  | { state: 'gone' };

/** Export jobs: `temporal-export-jobs.ts` runs them. */
export interface ExportJobs {
  /** Throws a 429 OperationOutcomeError when the tenant already runs as many exports as it may. */
  start(input: ExportJobInput): Promise<void>;
  /** A job of another tenant is `gone`, like a cancelled, deleted or expired one: tenants never see each other's. */
  status(tenant: string, jobId: string): Promise<ExportJobStatus>;
  /** Cancels a running job or deletes a completed job's files; false when there is no such job (any more). */
  cancel(tenant: string, jobId: string): Promise<boolean>;
}

/** Import jobs: `temporal-import-jobs.ts` runs them. */
export interface ImportJobs {
  start(input: ImportJobInput): Promise<void>;
  /** A job of another tenant is `gone`, like a cancelled or deleted one. */
  status(tenant: string, jobId: string): Promise<ImportJobStatus>;
  /** Cancels a running job, or deletes a finished job's error files; false when there is no such job (any more). */
  cancel(tenant: string, jobId: string): Promise<boolean>;
}

/** What the job routes read of job records: one job's owner, tenant and state (the ownership check, job-access.ts). */
export type JobRecordReader = Pick<JobRecords, 'find'>;

/** What `$bulk-submit` and its status read and write of submissions (SubmissionRecords keeps them in MongoDB). */
export type SubmissionStore = Pick<SubmissionRecords, 'find' | 'save'>;
