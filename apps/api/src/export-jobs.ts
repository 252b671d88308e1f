import type { ExportJobInput, ExportManifest, ExportProgress } from '@fhir-bulk/export';

/** What the API can learn about an export job, independent of how jobs run. */
export type ExportJobStatus =
  | { state: 'running'; progress?: ExportProgress }
  | { state: 'completed'; manifest: ExportManifest; completedAt: Date }
  | { state: 'failed'; message: string }
  | { state: 'cancelled' }
  | { state: 'not-found' };

/** Routes depend on this interface; `temporal-export-jobs.ts` implements it over Temporal. */
export interface ExportJobs {
  start(input: ExportJobInput): Promise<void>;
  /** A job of another tenant is `not-found`: tenants never see each other's jobs. */
  status(tenant: string, jobId: string): Promise<ExportJobStatus>;
}
