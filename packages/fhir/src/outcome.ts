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
  | 'forbidden'
  | 'exception'
  | 'transient'
  | 'timeout'
  | 'processing'
  | 'informational';

export interface OperationOutcomeIssue {
  severity: IssueSeverity;
  code: IssueCode;
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

export const serverError = (diagnostics: string) =>
  new OperationOutcomeError(500, outcome('error', 'exception', diagnostics));

export const unavailable = (diagnostics: string) =>
  new OperationOutcomeError(503, outcome('error', 'transient', diagnostics));
