import type { FhirVersion } from '@fhir-bulk/fhir';

export const NDJSON = 'application/fhir+ndjson';
export const PARQUET = 'application/vnd.apache.parquet';
/** Rows of views only (`$viewdefinition-export?_format=csv`): CSV has no way to carry FHIR resources. */
export const CSV = 'text/csv';
export type OutputFormat = typeof NDJSON | typeof PARQUET | typeof CSV;

/**
 * A view a client asked to export the rows of (SQL on FHIR): a stored ViewDefinition's id, or one sent inline
 * (`$viewdefinition-export` `viewResource`), with the output name it asked for, if any.
 */
export interface ViewRequest {
  id?: string;
  resource?: Record<string, unknown>;
  name?: string;
  /** Where the client wrote it, for errors: `_viewDefinition`, `view[1].viewReference`. */
  at: string;
}

/**
 * A view resolved and checked at kick-off. The job carries the definition itself, so a stored view edited while
 * the export runs (or between a worker's retries) cannot change rows half-way through.
 */
export interface ExportView {
  /** Output name, unique in the job; files are `{name}-{partition}-{seq}.{parquet|ndjson|csv}`. */
  name: string;
  /** The view's `resource`. */
  type: string;
  definition: Record<string, unknown>;
}

/** Where the kick-off was sent: `[base]/$export`, `[base]/Patient/$export`, `[base]/Group/{id}/$export`. */
export type ExportLevel = 'system' | 'patient' | 'group';

/**
 * Part of a kick-off the server did not do, reported in the manifest's `error`: a parameter skipped under
 * `Prefer: handling=lenient` (`not-supported`), or types left out because the client may not read them (`forbidden`).
 */
export interface IgnoredParameter {
  parameter: string;
  reason: string;
  /** The OperationOutcome issue code; `not-supported` when absent. */
  code?: 'not-supported' | 'forbidden';
}

/** What a client asked for, validated; everything the workflow needs to run without looking back at HTTP. */
/** The FHIR version a job's resources are of: its tenant's, R4 for a job started before tenants had versions. */
export const jobFhirVersion = (job: Pick<ExportRequest, 'fhirVersion'>): FhirVersion => job.fhirVersion ?? '4.0.1';

export interface ExportRequest {
  level: ExportLevel;
  /**
   * The tenant's FHIR version, set by the API when it starts the job; absent in jobs started before tenants had
   * versions, which were R4.
   */
  fhirVersion?: FhirVersion;
  /** Group level: the Group whose members are exported. */
  groupId?: string;
  /**
   * Patient ids the export is limited to: the `patient` parameter, or the id of `Patient/{id}/$export`.
   * Bounded by the request body limit; Group members are resolved by the worker and never travel in here.
   */
  patients?: string[];
  types: string[];
  /** Whether the client named the types (`_type`, or views); else they are the level's defaults. */
  typesRequested: boolean;
  outputFormat: OutputFormat;
  /**
   * `_viewDefinition` (or `$viewdefinition-export`'s `view`): the export writes these views' rows, one file set per
   * view, instead of resources. `types` is then the views' types (empty until the API has resolved them).
   */
  viewRequests?: ViewRequest[];
  /** `_since`: only resources last updated after this instant (ISO 8601). */
  since?: string;
  /** `_until`: only resources last updated at or before this instant; capped at transactionTime. */
  until?: string;
  /** `_typeFilter` by type: each entry is one search query string (`code=x&date=gt2020`); entries are ORed. */
  typeFilters: Record<string, string[]>;
  /** `_elements` by type (`*` applies to every type): element names kept besides the mandatory ones. */
  elements?: Record<string, string[]>;
  /** `includeAssociatedData=_deleted`-style: list resources deleted since `_since` in the manifest's `deleted`. */
  includeDeleted: boolean;
  /** `organizeOutputBy=Patient`: each file holds whole patients (the Patient, then its compartment). */
  organizeOutputBy?: 'Patient';
  allowPartialManifests: boolean;
  /** Parameters skipped under `Prefer: handling=lenient`. */
  ignored: IgnoredParameter[];
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
  /** Who asked (the authenticated client, or `anonymous`), for the audit event. */
  requestedBy: string;
  /** The kick-off's X-Request-Id, on the worker's log lines for the job (absent for jobs started before it was). */
  requestId?: string;
  /** The views of `viewRequests`, resolved by the API: each output partition of a view writes its rows. */
  views?: ExportView[];
}

/** One output object written by an export activity. */
export interface ExportedFile {
  /** Omitted for `organizeOutputBy` files, which mix types. */
  type?: string;
  key: string;
  count: number;
  size: number;
  /** Which manifest array the file belongs in. */
  kind: 'output' | 'deleted' | 'error';
}

export interface ExportProgress {
  phase: 'planning' | 'exporting' | 'finalizing' | 'done';
  /** Resources to export in total, from the plan; 0 when the database cannot count cheaply (FerretDB). */
  total: number;
  /**
   * Resources written per type (rows of a view, under the view's resource type). The workflow counts completed
   * partitions; a status poll adds the running ones' heartbeats (runningProgress).
   */
  byType: Record<string, number>;
}

/** Temporal search attributes operators filter export jobs by in the Web UI (registered by infra/stack.sh). */
export const SEARCH_ATTRIBUTES = {
  kind: 'BulkKind',
  tenant: 'Tenant',
  types: 'ResourceTypes',
  format: 'OutputFormat',
} as const;
