import { OperationOutcomeError, outcome } from './outcome';

/**
 * The audit trail is stored as FHIR `AuditEvent` resources that only the server writes (bulkLoad, create-only).
 * Through the API they are read-only, and readable only with the `audit/read` permission (packages/auth): a log
 * anyone could edit, or that any reader of patient data could read, would not be an audit trail.
 */
export const AUDIT_EVENT = 'AuditEvent';

/** Types the API never writes for a client: REST, Bundles and `$import` refuse them. */
export const isServerWritten = (type: string): boolean => type === AUDIT_EVENT;

/**
 * The refusal of a client's write of a server-written type: 405 where the HTTP method is what is refused (REST and
 * Bundle entries, with `Allow: GET`), 400 for an `$import` input naming it (`expression` points at the input).
 */
export function serverWrittenOnly(type: string, status: 400 | 405, expression?: string): OperationOutcomeError {
  const diagnostics =
    `${type} resources are written by this server only (the audit trail): ` +
    'they cannot be created, updated, deleted or imported through the API';
  return new OperationOutcomeError(
    status,
    outcome('error', 'not-supported', diagnostics, expression),
    status === 405 ? { Allow: 'GET' } : {},
  );
}
