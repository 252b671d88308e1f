/**
 * An import job as it travels from kick-off to workflow: the client's request, validated, plus what the API adds.
 * Everything here is small and JSON: it goes through Temporal history.
 */

/** `InitialLoad` only creates (an id that exists with other content is an error line); `IncrementalLoad` upserts. */
export type ImportMode = 'InitialLoad' | 'IncrementalLoad';

/** One input file: every line must be a resource of `type`. */
export interface ImportInput {
  type: string;
  url: string;
  /** The client's entity tag for the object; the import refuses a file whose tag differs (it changed since). */
  etag?: string;
}

/** The kick-off's Parameters, validated (packages/import/src/kickoff.ts). */
export interface ImportRequest {
  inputFormat: 'application/fhir+ndjson';
  inputSource?: string;
  storageDetail?: string;
  mode: ImportMode;
  inputs: ImportInput[];
}

export interface ImportJobInput extends ImportRequest {
  jobId: string;
  tenant: string;
  /** The kick-off request's URL, echoed as `request` in the result. */
  requestUrl: string;
  /** The FHIR base the client used; result URLs are built on it. */
  baseUrl: string;
  transactionTime: string;
  requestedBy: string;
  /** The kick-off's X-Request-Id, on the worker's log lines for the job (absent for jobs started before it was). */
  requestId?: string;
}

/** Where an input is read from, resolved at kick-off (source-policy.ts) so the worker never interprets URLs. */
export type ImportSource = { kind: 's3'; bucket: string; key: string } | { kind: 'http'; url: string };

/** An input file as planned: its source and size (bytes), read once so progress and resume have a total. */
export interface PlannedFile {
  index: number;
  type: string;
  inputUrl: string;
  source: ImportSource;
  size: number;
  etag?: string;
}

/**
 * Heartbeated by a file activity after each checkpoint: every line before `offset` (a byte position just after a
 * newline) is written, or reported in one of `errorParts` (objects holding the error lines, in order).
 */
export interface ImportCheckpoint {
  offset: number;
  /** Lines before `offset` (the next line's number is `line + 1`). */
  line: number;
  /** Resources written so far (lines that landed). */
  count: number;
  /** Error lines reported so far. */
  errors: number;
  errorParts: string[];
  /**
   * Batches after `offset` already written, without bad lines (writers finish out of order): a resumed attempt
   * that cuts the same batch skips its write instead of comparing every resource in it with what is stored.
   */
  ahead?: WrittenAhead[];
}

/** A batch written beyond a checkpoint: lines `firstLine`..`endLine`, `written` resources. */
export interface WrittenAhead {
  firstLine: number;
  endLine: number;
  written: number;
}

/** What a running file heartbeats: its checkpoint, plus how long it has not moved once that is a stall. */
export interface ImportHeartbeat extends ImportCheckpoint {
  stalledSeconds?: number;
}

/** What one input file came to: the result's `output` and `error` entries are built from these. */
export interface ImportedFile {
  index: number;
  type: string;
  inputUrl: string;
  count: number;
  errors: number;
  /** The error NDJSON object, when there were errors. */
  errorKey?: string;
}

export interface ImportProgress {
  phase: 'planning' | 'importing' | 'finalizing' | 'done';
  files: number;
  filesDone: number;
  totalBytes: number;
  bytesDone: number;
  resources: number;
  errors: number;
  /** The longest stall among running files (IMPORT_STALL_WARNING_SECONDS or more without progress), if any. */
  stalledSeconds?: number;
}

/** The job as its record and audit event see it: the types are the input files' types. */
export const recordedImport = (job: ImportJobInput) => ({
  jobId: job.jobId,
  tenant: job.tenant,
  requestedBy: job.requestedBy,
  requestUrl: job.requestUrl,
  types: [...new Set(job.inputs.map((input) => input.type))],
});
