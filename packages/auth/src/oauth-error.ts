/**
 * OAuth 2.0 errors (RFC 6749 §5.2, RFC 7591 §3.2.2): the token and registration endpoints answer with these JSON
 * bodies, not OperationOutcomes, because OAuth clients read `error`.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_client_metadata'
  /** RFC 6750: a bearer credential was missing or not accepted (client management endpoints). */
  | 'invalid_token'
  | 'insufficient_scope'
  /** No such client (client management endpoints). */
  | 'not_found';

/** RFC 6749 §5.2: 400, except a client that failed to authenticate (401); RFC 6750's codes have their own. */
const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  invalid_scope: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_client_metadata: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  not_found: 404,
};

export class OAuthError extends Error {
  readonly status: number;
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
    this.status = STATUS[error];
  }

  get body() {
    return { error: this.error, error_description: this.description };
  }
}
