import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { ClientRecord, ClientRegistry } from './clients';
import type { ClientKeys } from './client-keys';
import { OAuthError } from './oauth-error';
import type { Principal } from './principal';
import { formatScope, grantScopes, parseScopes } from './scopes';
import type { AssertionIds, IssuedToken, TokenStore } from './tokens';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART Backend Services: servers SHALL support RS384 and ES384. Nothing else: no `none`, no HS*, no RS256. */
export const SIGNING_ALGORITHMS = ['RS384', 'ES384'] as const;
/** SMART: the assertion's `exp` is at most five minutes in the future. */
const MAX_ASSERTION_SECONDS = 300;
/** Clocks of clients and server differ a little. */
const CLOCK_TOLERANCE_SECONDS = 30;

export interface TokenServiceDeps {
  clients: ClientRegistry;
  keys: ClientKeys;
  tokens: TokenStore;
  assertionIds: AssertionIds;
  /** The token endpoint's URL: every assertion's `aud`. */
  tokenUrl: string;
}

export interface IssuedGrant {
  token: IssuedToken;
  client: { id: string; name: string };
}

const fail = (code: ConstructorParameters<typeof OAuthError>[0], description: string): never => {
  throw new OAuthError(code, description);
};

/**
 * SMART Backend Services (client-confidential-asymmetric): a client authenticates with a JWT signed by its private
 * key and gets a short-lived access token; every later request is authenticated by that token.
 */
export class TokenService {
  constructor(private readonly deps: TokenServiceDeps) {}

  /**
   * The token endpoint: a `client_credentials` grant with a signed client assertion (form fields as sent). Returns
   * the token and the client it was issued to (for the audit trail).
   */
  async exchange(form: Record<string, unknown>, now = new Date()): Promise<IssuedGrant> {
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    const grantType = field('grant_type');
    if (grantType === undefined) fail('invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') fail('unsupported_grant_type', 'Only client_credentials is supported');
    if (field('client_assertion_type') !== JWT_BEARER) {
      fail('invalid_request', `client_assertion_type must be ${JWT_BEARER}`);
    }
    const assertion = field('client_assertion') ?? fail('invalid_request', 'client_assertion is required');
    const scope = field('scope') ?? fail('invalid_request', 'scope is required');
    const client = await this.verifyAssertion(assertion, now);
    const granted = grantScopes(parseScopes(scope).scopes, parseScopes(client.scope).scopes);
    if (granted.length === 0)
      fail('invalid_scope', `None of the scopes asked for (${scope}) is granted to this client`);
    const token = await this.deps.tokens.issue(client._id, granted.map(formatScope).join(' '), now);
    return { token, client: { id: client._id, name: client.client_name } };
  }

  /** Who a bearer token stands for: null when it is unknown, expired, or its client is disabled or deleted. */
  async principal(token: string, now = new Date()): Promise<Principal | null> {
    const issued = await this.deps.tokens.lookup(token, now);
    const client = issued && (await this.deps.clients.find(issued.clientId));
    if (!issued || !client || client.disabled) return null;
    return {
      clientId: client._id,
      clientName: client.client_name,
      scopes: parseScopes(issued.scope).scopes,
      permissions: new Set(client.permissions),
      tenants: client.tenants,
    };
  }

  /** Every check of SMART Backend Services; any failure is `invalid_client` with the reason. */
  private async verifyAssertion(assertion: string, now: Date): Promise<ClientRecord> {
    const { alg, kid } = decoded(() => decodeProtectedHeader(assertion));
    if (!SIGNING_ALGORITHMS.includes(alg as (typeof SIGNING_ALGORITHMS)[number])) {
      fail('invalid_client', `The client assertion's alg must be one of ${SIGNING_ALGORITHMS.join(', ')}, not ${alg}`);
    }
    if (typeof kid !== 'string' || kid === '') fail('invalid_client', 'The client assertion header needs a kid');
    const { iss } = decoded(() => decodeJwt(assertion));
    if (typeof iss !== 'string') fail('invalid_client', 'The client assertion needs iss (the client_id)');
    const client = await this.deps.clients.find(iss as string);
    if (!client || client.disabled) fail('invalid_client', `Unknown or disabled client ${iss}`);
    const keys = await this.deps.keys
      .keySet(client!, kid!)
      .catch((error: unknown) =>
        fail('invalid_client', `The client's jwks_uri could not be read: ${(error as Error).message}`),
      );
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, keys, {
        algorithms: [alg!],
        issuer: client!._id,
        subject: client!._id,
        audience: this.deps.tokenUrl,
        requiredClaims: ['exp', 'jti'],
        currentDate: now,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      return fail('invalid_client', `The client assertion is not valid: ${reason(error)}`);
    }
    const nowSeconds = Math.floor(now.getTime() / 1000);
    if (payload.exp! > nowSeconds + MAX_ASSERTION_SECONDS + CLOCK_TOLERANCE_SECONDS) {
      fail('invalid_client', 'The client assertion expires more than five minutes from now');
    }
    if (typeof payload.jti !== 'string' || payload.jti === '') fail('invalid_client', 'jti must be a string');
    const fresh = await this.deps.assertionIds.claim(client!._id, payload.jti!, new Date(payload.exp! * 1000), now);
    if (!fresh) fail('invalid_client', `The client assertion's jti ${payload.jti} was used before`);
    return client!;
  }
}

function decoded<T>(decode: () => T): T {
  try {
    return decode();
  } catch {
    return fail('invalid_client', 'client_assertion is not a signed JWT');
  }
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} ${error.reason}`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'no registered key matches its kid and alg';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  return (error as Error).message;
}

/**
 * The client id a token request claims (its assertion's `iss`), unverified: for the audit trail of a refused
 * request, which records who it said it was. Undefined when there is no readable claim.
 */
export function assertedClientId(form: Record<string, unknown>): string | undefined {
  const assertion = form.client_assertion;
  if (typeof assertion !== 'string') return undefined;
  try {
    const { iss } = decodeJwt(assertion);
    return typeof iss === 'string' && iss.length <= 256 ? iss : undefined;
  } catch {
    return undefined;
  }
}
