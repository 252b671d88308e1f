import type { ExportJobInput } from '@fhir-bulk/export';
import type { ImportedFile, ImportJobInput } from '@fhir-bulk/import';

/** What an export workflow returns: small; the manifest itself lives in S3 beside the files. */
export interface ExportSummary {
  manifestKey: string;
  totalRecords: number;
  fileCount: number;
  totalSize: number;
}

/** What an import workflow returns: the per-file results the status route turns into the result body. */
export interface ImportSummary {
  files: ImportedFile[];
}

export type ExportWorkflow = (input: ExportJobInput) => Promise<ExportSummary>;
export type ImportWorkflow = (input: ImportJobInput) => Promise<ImportSummary>;
/** Deletes a completed export's files (a client's DELETE); workflowId `${jobId}/purge`. */
export type PurgeExportWorkflow = (job: { tenant: string; jobId: string }) => Promise<void>;

/**
 * The workflows the API starts, by type name (the name the worker exports each under), with what each takes and
 * returns. The API starts and awaits them by name with these signatures, so it never loads workflow code; the
 * worker's workflows are checked against them (apps/worker/test/workflow-contract.test.ts). The retention workflow
 * is the worker's own business (apps/worker/src/retention-schedule.ts).
 */
export interface Workflows {
  exportWorkflow: ExportWorkflow;
  importWorkflow: ImportWorkflow;
  purgeExportWorkflow: PurgeExportWorkflow;
}

export const EXPORT_WORKFLOW = 'exportWorkflow' satisfies keyof Workflows;
export const IMPORT_WORKFLOW = 'importWorkflow' satisfies keyof Workflows;
export const PURGE_EXPORT_WORKFLOW = 'purgeExportWorkflow' satisfies keyof Workflows;
