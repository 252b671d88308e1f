import { type JWK } from 'jose';
import { OAuthError } from './oauth-error';
import { isPermission, type Permission } from './principal';
import { formatScope, parseScopes } from './scopes';

/** What an administrator registers (RFC 7591, the subset Backend Services needs, plus this server's rights). */
export interface ClientRegistration {
  client_name: string;
  /** Exactly one of `jwks` (public keys inline) and `jwks_uri` (fetched, cached). */
  jwks?: { keys: JWK[] };
  jwks_uri?: string;
  /** The SMART system scopes the client may be granted, normalised and space-separated. */
  scope: string;
  permissions: Permission[];
  /** The tenants the client may use; `["*"]` for all. */
  tenants: string[];
}

const TENANT = /^[A-Za-z0-9_-]{1,64}$/;
/** Public key types a Backend Services client signs with (RS384, ES384); no private or symmetric keys. */
const PUBLIC_KEY_TYPES = new Set(['RSA', 'EC']);
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

const invalid = (description: string): never => {
  throw new OAuthError('invalid_client_metadata', description);
};

/** Checks a registration request; every problem is `invalid_client_metadata` naming the field. */
export function parseRegistration(body: unknown): ClientRegistration {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) invalid('The body must be a JSON object');
  const raw = body as Record<string, unknown>;
  const name = raw.client_name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
    invalid('client_name must be a non-empty string of at most 200 characters');
  }
  if ((raw.jwks === undefined) === (raw.jwks_uri === undefined)) invalid('Give exactly one of jwks and jwks_uri');
  const scope = parseScopeField(raw.scope);
  const permissions = parseList(raw.permissions ?? [], 'permissions');
  const unknown = permissions.filter((p) => !isPermission(p));
  if (unknown.length > 0) invalid(`Unknown permissions: ${unknown.join(', ')}`);
  const tenants = parseList(raw.tenants, 'tenants');
  if (tenants.length === 0) invalid('tenants must name at least one tenant, or "*" for all');
  const badTenant = tenants.find((t) => t !== '*' && !TENANT.test(t));
  if (badTenant !== undefined) invalid(`tenants: "${badTenant}" is not a tenant id`);
  return {
    client_name: name as string,
    ...(raw.jwks !== undefined ? { jwks: parseJwks(raw.jwks) } : { jwks_uri: parseJwksUri(raw.jwks_uri) }),
    scope,
    permissions: [...new Set(permissions)] as Permission[],
    tenants: [...new Set(tenants)],
  };
}

function parseScopeField(value: unknown): string {
  if (typeof value !== 'string') return invalid('scope must be a space-separated string of SMART system scopes');
  const { scopes, unknown } = parseScopes(value);
  if (unknown.length > 0) invalid(`scope: not SMART system scopes: ${unknown.join(' ')}`);
  return scopes.map(formatScope).join(' ');
}

function parseList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    invalid(`${field} must be an array of strings`);
  return value as string[];
}

/** Public keys only: a private key in a registration would be a leak, and an HMAC key would let `alg` be forged. */
function parseJwks(value: unknown): { keys: JWK[] } {
  const keys = (value as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) invalid('jwks must be a JWK Set with at least one key');
  for (const [i, key] of (keys as unknown[]).entries()) {
    const jwk = key as Record<string, unknown>;
    if (typeof jwk !== 'object' || jwk === null) invalid(`jwks.keys[${i}] must be a JWK`);
    if (!PUBLIC_KEY_TYPES.has(jwk.kty as string)) invalid(`jwks.keys[${i}]: kty must be RSA or EC`);
    if (typeof jwk.kid !== 'string' || jwk.kid === '') invalid(`jwks.keys[${i}] needs a kid`);
    if (PRIVATE_MEMBERS.some((m) => m in jwk)) invalid(`jwks.keys[${i}] is a private key; register the public key`);
  }
  return { keys: keys as JWK[] };
}

function parseJwksUri(value: unknown): string {
  if (typeof value !== 'string' || !URL.canParse(value)) invalid('jwks_uri must be an absolute URL');
  const { protocol } = new URL(value as string);
  if (protocol !== 'https:' && protocol !== 'http:') invalid('jwks_uri must be an http(s) URL');
  return value as string;
}
