/**
 * The contract between the API (which starts export workflows) and the worker (which runs them). Workflow code
 * imports only types from here, so it stays deterministic.
 */
export const EXPORT_WORKFLOW = 'exportWorkflow';
export const EXPORT_PROGRESS_QUERY = 'progress';

export const NDJSON = 'application/fhir+ndjson';
export type OutputFormat = typeof NDJSON;

export type ExportLevel = 'system' | 'patient' | 'group';

/** What a client asked for, validated; everything the workflow needs to run without looking back at HTTP. */
export interface ExportRequest {
  level: ExportLevel;
  types: string[];
  outputFormat: OutputFormat;
  /** The kick-off URL as the client sent it, echoed in the manifest's `request`. */
  requestUrl: string;
}

export interface ExportJobInput extends ExportRequest {
  jobId: string;
  tenant: string;
  /** Resources last updated after this instant are not exported (FHIR Bulk Data `transactionTime`). */
  transactionTime: string;
  requiresAccessToken: boolean;
  /** The FHIR base the client used (`…/tenant/x`, `…/fhir`); manifest URLs are built on it. */
  baseUrl: string;
}

/** One output object written by an export activity. */
export interface ExportedFile {
  type: string;
  key: string;
  count: number;
  size: number;
}

export interface ExportProgress {
  phase: 'planning' | 'exporting' | 'finalizing' | 'done';
  typesDone: number;
  typesTotal: number;
}

/** Temporal search attributes operators filter export jobs by in the Web UI (registered by infra/stack.sh). */
export const SEARCH_ATTRIBUTES = {
  kind: 'BulkKind',
  tenant: 'Tenant',
  types: 'ResourceTypes',
  format: 'OutputFormat',
} as const;
