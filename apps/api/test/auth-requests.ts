import { type ClientKeyPair, type ClientRegistration, generateClientKeyPair, tokenRequestBody } from '@fhir-bulk/auth';
import type { OperationOutcome } from '@fhir-bulk/fhir';
import type { BulkStack } from '@fhir-bulk/test-support';
import { importJWK, type JWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';

/**
 * Requests of the authorization suites, made over plain HTTP as a SMART Backend Services client (or an attacker)
 * would: token requests with hand-made assertions, client management with a given credential, FHIR requests with a
 * given token or none.
 */

/** A JSON reply: status, headers and the parsed body (undefined when empty). */
export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

async function reply<T>(response: Response): Promise<Reply<T>> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

export const tokenUrlOf = (stack: Pick<BulkStack, 'baseUrl'>) => `${stack.baseUrl}/auth/token`;

/** POSTs a token request form (application/x-www-form-urlencoded). */
export async function requestToken(baseUrl: string, form: Record<string, string>) {
  const response = await fetch(`${baseUrl}/auth/token`, { method: 'POST', body: new URLSearchParams(form) });
  return reply<Record<string, unknown>>(response);
}

/** A client assertion's parts; a claim set to undefined is left out. */
export interface AssertionParts {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  /** The key that signs it (default: the client's own). */
  signWith?: JWK;
}

/** A client assertion for `client`, valid unless `parts` change it (iss = sub = client id, aud = token URL). */
export async function assertionFor(
  tokenUrl: string,
  client: { clientId: string; keys: ClientKeyPair },
  { header = {}, claims = {}, signWith = client.keys.privateJwk }: AssertionParts = {},
): Promise<string> {
  const alg = (header.alg as string | undefined) ?? signWith.alg ?? 'ES384';
  const payload = {
    iss: client.clientId,
    sub: client.clientId,
    aud: tokenUrl,
    exp: Math.floor(Date.now() / 1000) + 240,
    jti: randomUUID(),
    ...claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg, kid: client.keys.privateJwk.kid!, typ: 'JWT', ...header } as { alg: string })
    .sign(await importJWK(signWith, alg));
}

/** The token request form for an assertion, as SMART Backend Services defines it. */
export const tokenForm = (assertion: string, scope = 'system/*.read') =>
  Object.fromEntries(tokenRequestBody(assertion, scope)) as Record<string, string>;

/** A registration body with fresh keys (returned beside it), overridden by `overrides`. */
export async function newRegistration(
  overrides: Partial<ClientRegistration> = {},
  alg: 'ES384' | 'RS384' = 'ES384',
): Promise<{ keys: ClientKeyPair; registration: ClientRegistration }> {
  const keys = await generateClientKeyPair(alg);
  return {
    keys,
    registration: {
      client_name: 'auth suite client',
      jwks: { keys: [keys.publicJwk] },
      scope: 'system/*.*',
      permissions: ['bulk-export/read', 'bulk-import/write'],
      tenants: ['*'],
      ...overrides,
    },
  };
}

/** A client management request (`/auth/...`) with `credential` as the bearer token (none when undefined). */
export async function manageClients<T = Record<string, unknown>>(
  baseUrl: string,
  credential: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply<T>> {
  const headers: Record<string, string> = credential === undefined ? {} : { Authorization: `Bearer ${credential}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return reply<T>(response);
}

/** `fetch` with `token` as the bearer token, or with no Authorization header at all. */
export const fetchWith =
  (token: string | undefined) =>
  (url: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (token !== undefined) headers.set('Authorization', `Bearer ${token}`);
    return fetch(url, { ...init, headers });
  };

/** Checks a 403 as the contract defines it: an OperationOutcome with issue code forbidden and ACCESS_DENIED. */
export async function expectAccessDenied(response: Response): Promise<OperationOutcome> {
  const text = await response.text();
  expect({ status: response.status, body: text }).toEqual({ status: 403, body: expect.any(String) });
  const outcome = JSON.parse(text) as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0]).toMatchObject({
    code: 'forbidden',
    details: { coding: [{ system: 'urn:fhir-bulk:error-code', code: 'ACCESS_DENIED' }] },
  });
  return outcome;
}

/** FHIR JSON request options: method, body as FHIR JSON. */
export const fhirJson = (method: string, body?: unknown): RequestInit => ({
  method,
  ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(body) }),
});
