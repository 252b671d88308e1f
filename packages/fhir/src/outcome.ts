/**
 * One error type for every FHIR failure (Medplum's pattern): domain code throws it, and exactly one place in the
 * API turns it into an HTTP status plus an OperationOutcome body.
 */
export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'not-supported'
  | 'not-found'
  | 'deleted'
  | 'conflict'
  | 'too-costly'
  | 'throttled'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'exception'
  | 'transient'
  | 'timeout'
  | 'processing'
  | 'informational';

export interface OperationOutcomeIssue {
  severity: IssueSeverity;
  code: IssueCode;
  /** A machine-readable reason beside the FHIR code, e.g. the product's `ACCESS_DENIED` (see ERROR_CODE_SYSTEM). */
  details?: { coding: Array<{ system: string; code: string }>; text?: string };
  diagnostics?: string;
  expression?: string[];
}

/** A FHIR Extension, with the value types this server writes. */
export interface Extension {
  url: string;
  valueInteger?: number;
  valueUri?: string;
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  /** E.g. where in an import file the problem is (packages/import/src/import-line.ts). */
  extension?: Extension[];
  issue: OperationOutcomeIssue[];
}

export class OperationOutcomeError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
    /** Extra response headers, e.g. Retry-After on 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(outcome.issue.map((i) => i.diagnostics ?? i.code).join('; '));
    this.name = 'OperationOutcomeError';
  }
}

export function outcome(
  severity: IssueSeverity,
  code: IssueCode,
  diagnostics: string,
  expression?: string,
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, diagnostics, ...(expression ? { expression: [expression] } : {}) }],
  };
}

export const badRequest = (diagnostics: string, expression?: string) =>
  new OperationOutcomeError(400, outcome('error', 'invalid', diagnostics, expression));

export const notSupported = (diagnostics: string, expression?: string) =>
  new OperationOutcomeError(400, outcome('error', 'not-supported', diagnostics, expression));

export const notFound = (diagnostics: string) =>
  new OperationOutcomeError(404, outcome('error', 'not-found', diagnostics));

export const tooManyRequests = (diagnostics: string, retryAfterSeconds: number) =>
  new OperationOutcomeError(429, outcome('error', 'throttled', diagnostics), {
    'Retry-After': String(retryAfterSeconds),
  });

/**
 * 401: no credentials, or ones this server does not accept. RFC 6750 §3: the challenge names the scheme and, for a
 * token that was sent but refused, `error="invalid_token"`.
 */
export const unauthorized = (diagnostics: string, tokenSent: boolean) =>
  new OperationOutcomeError(401, outcome('error', 'login', diagnostics), {
    'WWW-Authenticate': tokenSent ? 'Bearer realm="fhir-bulk", error="invalid_token"' : 'Bearer realm="fhir-bulk"',
  });

/** The code system of this server's own error codes (`ACCESS_DENIED`, …) in `issue.details`. */
export const ERROR_CODE_SYSTEM = 'urn:fhir-bulk:error-code';

/** 403: the caller is known but may not do this; `ACCESS_DENIED` in the issue's details. */
export const forbidden = (diagnostics: string) =>
  new OperationOutcomeError(403, {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: 'forbidden',
        details: { coding: [{ system: ERROR_CODE_SYSTEM, code: 'ACCESS_DENIED' }], text: 'ACCESS_DENIED' },
        diagnostics,
      },
    ],
  });

export const serverError = (diagnostics: string) =>
  new OperationOutcomeError(500, outcome('error', 'exception', diagnostics));

export const unavailable = (diagnostics: string) =>
  new OperationOutcomeError(503, outcome('error', 'transient', diagnostics));
