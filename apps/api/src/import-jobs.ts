import type { ImportJobInput, ImportProgress, ImportResult } from '@fhir-bulk/import';

/** What the API can learn about an import job, independent of how jobs run. */
export type ImportJobStatus =
  | { state: 'running'; progress?: ImportProgress }
  | { state: 'completed'; result: ImportResult }
  /** `clientFault`: the inputs were at fault (gone, changed, not allowed), not the server. */
  | { state: 'failed'; message: string; clientFault: boolean }
  | { state: 'gone' };

/** Routes depend on this interface; `temporal-import-jobs.ts` implements it over Temporal and MongoDB. */
export interface ImportJobs {
  start(input: ImportJobInput): Promise<void>;
  /** A job of another tenant is `gone`, like a cancelled or deleted one. */
  status(tenant: string, jobId: string): Promise<ImportJobStatus>;
  /** Cancels a running job, or deletes a finished job's error files; false when there is no such job (any more). */
  cancel(tenant: string, jobId: string): Promise<boolean>;
}
