import { EXPORT_ERRORS, type ExportErrorCode } from '@fhir-bulk/export';
import { forbidden, notFound, OperationOutcomeError, outcome, tooManyRequests } from '@fhir-bulk/fhir';
import type { JobKind } from '@fhir-bulk/jobs';

/**
 * Every answer of the asynchronous request pattern that is not the job's own body (manifest, result, Parameters):
 * what a kick-off says when the job may not start, and what a status poll, a cancel, a file download or a
 * `$bulk-submit-status` poll says when the job is not there, not the caller's, polled too soon, cancelled or failed.
 * Named once here, so every job URL says the same thing the same way (the SMART reference server's catalog of
 * protocol outcomes).
 */

/** 429 at kick-off: the tenant already runs as many exports as it may (a soft cap, see TemporalExportJobs). */
export const tooManyExports = (tenant: string, running: number, limit: number, retryAfterSeconds: number) =>
  tooManyRequests(
    `Tenant ${tenant} already runs ${running} exports (the limit is ${limit}); retry later`,
    retryAfterSeconds,
  );

/** 403 at an import's kick-off (`$import`, `$bulk-submit`): the token may not create and update these types. */
export const importTypesUnwritable = (types: readonly string[]) =>
  forbidden(`No granted scope creates and updates ${types.join(', ')} (system/{type}.write or .cu)`);

/**
 * 404 under a job URL for a job that does not exist, is another client's or tenant's (so job ids leak nothing), or
 * was cancelled, deleted or expired: the IG asks for 404 once a job is deleted.
 */
export const jobNotFound = (kind: JobKind, jobId: string) =>
  notFound(`No ${kind} job ${jobId}: it does not exist, or was cancelled, deleted or expired`);

/** 404 when a poll finds an import Temporal no longer holds, though its record let the request through. */
export const importGone = (jobId: string) =>
  notFound(`No import job ${jobId}: it does not exist, or was cancelled or deleted`);

/** 429 with Retry-After: polled again before the wait the previous answer asked for. */
export const polledTooSoon = (waitSeconds: number) =>
  tooManyRequests(`Polled too often; wait ${waitSeconds} s between status requests`, waitSeconds);

/** 404 to a DELETE of a job that ended meanwhile (its record went between the ownership check and the cancel). */
export const cancelNotFound = (kind: JobKind, jobId: string) => notFound(`No ${kind} job ${jobId}`);

/** The informational OperationOutcome of a DELETE's 202: what the cancel removed and what stays. */
export const cancelAccepted = (kind: JobKind, jobId: string) =>
  outcome(
    'information',
    'informational',
    kind === 'export'
      ? `Export ${jobId} is cancelled; its files are deleted`
      : `Import ${jobId} is cancelled (resources already imported stay); its error files are deleted`,
  );

/** 404 for a file name the job never wrote, or one already removed. */
export const fileNotFound = (kind: JobKind, jobId: string, name: string) =>
  notFound(`No file ${name} in ${kind} ${jobId}`);

/**
 * 403 to the job's owner polling with a token narrower than the export's: IG 3.0.0 protects status and files "the
 * same way" as the kick-off, so the answer names the types as the kick-off would.
 */
export const exportTypesUnreadable = (types: readonly string[]) =>
  forbidden(`No granted scope reads ${types.join(', ')}, exported by this job (system/{type}.read or .rs)`);

/** A failed export: the status and issue its ExportError code maps to, 500 when the failure had no code. */
export function exportFailed(message: string, code?: ExportErrorCode): OperationOutcomeError {
  const { status, issue } = code ? EXPORT_ERRORS[code] : ({ status: 500, issue: 'exception' } as const);
  return new OperationOutcomeError(
    status,
    outcome('error', issue, `Export failed${code ? ` (${code})` : ''}: ${message}`),
  );
}

/**
 * A failed import, on its own status URL or (naming the manifest it came from) a submission's: 422 when its inputs
 * vanished or changed (the client's to fix), else 500.
 */
export function importFailed(message: string, clientFault: boolean, manifestUrl?: string): OperationOutcomeError {
  const diagnostics = manifestUrl ? `The import of ${manifestUrl} failed: ${message}` : `Import failed: ${message}`;
  return new OperationOutcomeError(
    clientFault ? 422 : 500,
    outcome('error', clientFault ? 'processing' : 'exception', diagnostics),
  );
}

/** 404 for a submission that does not exist, or is another client's or tenant's. */
export const submissionNotFound = (id: string) => notFound(`No submission ${id} of this client in this tenant`);

/** 410: the Data Provider stopped the submission, so there is no status to give any more. */
export const submissionStopped = (submissionId: string) =>
  new OperationOutcomeError(
    410,
    outcome('error', 'deleted', `Submission ${submissionId} was stopped by its Data Provider`),
  );

/** 500: an import job of a submission's manifest is gone, though the submission still names it. */
export const submittedImportLost = (manifestUrl: string) =>
  new OperationOutcomeError(500, outcome('error', 'exception', `The import of ${manifestUrl} is lost`));
