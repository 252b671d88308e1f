import type { ImportJobInput, ImportJobStatus } from '@fhir-bulk/import';

export type { ImportJobStatus };

/** Routes depend on this interface; `temporal-import-jobs.ts` implements it over Temporal and MongoDB. */
export interface ImportJobs {
  start(input: ImportJobInput): Promise<void>;
  /** A job of another tenant is `gone`, like a cancelled or deleted one. */
  status(tenant: string, jobId: string): Promise<ImportJobStatus>;
  /** Cancels a running job, or deletes a finished job's error files; false when there is no such job (any more). */
  cancel(tenant: string, jobId: string): Promise<boolean>;
}
