import {
  AssertionIds,
  ClientKeys,
  ClientRegistry,
  type FetchJwks,
  type Principal,
  TokenService,
  TokenStore,
} from '@fhir-bulk/auth';
import type { Config } from '@fhir-bulk/config';
import { defaultSourceIo, fetchAllowedJson, resolveImportSource, type SourcePolicy } from '@fhir-bulk/import';
import type { Logger } from '@fhir-bulk/logging';
import type { JSONWebKeySet } from 'jose';
import type { Db } from 'mongodb';

export type AuthApiConfig = Pick<
  Config,
  'AUTH_MODE' | 'AUTH_ADMIN_TOKEN' | 'AUTH_TOKEN_TTL_SECONDS' | 'AUTH_JWKS_ALLOWED_PREFIXES' | 'PUBLIC_BASE_URL'
>;

/** What the authorization routes and middleware need; built once per process by main.ts and the test stack. */
export interface AuthApi {
  mode: Config['AUTH_MODE'];
  /** The administrator's credential (AUTH_ADMIN_TOKEN), if configured. */
  adminToken?: string;
  tokenUrl: string;
  clients: ClientRegistry;
  tokens: TokenService;
  /** Refuses (400) a `jwks_uri` the server would not fetch, at registration. */
  checkJwksUri(url: string): void;
  /** Who a bearer token stands for; null when it is not a live token of an enabled client. */
  principal(token: string): Promise<Principal | null>;
}

export function createAuthApi(
  config: AuthApiConfig,
  { db, publicBaseUrl = config.PUBLIC_BASE_URL, logger }: { db: Db; publicBaseUrl?: string; logger: Logger },
): AuthApi {
  if (config.AUTH_MODE === 'none') {
    logger.warn(
      'AUTH_MODE=none: NO AUTHORIZATION. Anyone who reaches this API can read, write and export every tenant. ' +
        'For local experiments only; never expose this process.',
    );
  }
  const tokenUrl = `${publicBaseUrl.replace(/\/$/, '')}/auth/token`;
  // jwks_uri follows the rules of http(s) import inputs (no SSRF): listed prefixes only.
  const policy: SourcePolicy = { s3Prefixes: [], httpPrefixes: config.AUTH_JWKS_ALLOWED_PREFIXES };
  const io = defaultSourceIo();
  const fetchJwks: FetchJwks = async (url) => (await fetchAllowedJson(url, policy, io, 'jwks_uri')) as JSONWebKeySet;
  const clients = new ClientRegistry(db);
  const tokens = new TokenService({
    clients,
    keys: new ClientKeys(fetchJwks),
    tokens: new TokenStore(db, config.AUTH_TOKEN_TTL_SECONDS),
    assertionIds: new AssertionIds(db),
    tokenUrl,
  });
  return {
    mode: config.AUTH_MODE,
    ...(config.AUTH_ADMIN_TOKEN ? { adminToken: config.AUTH_ADMIN_TOKEN } : {}),
    tokenUrl,
    clients,
    tokens,
    checkJwksUri: (url) => void resolveImportSource(url, policy, 'jwks_uri'),
    principal: (token) => tokens.principal(token),
  };
}
