import { type CryptoKey, importJWK, importPKCS8, type JWK, SignJWT } from 'jose';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

/**
 * SMART Backend Services, the client side: a signed assertion (RS384 or ES384; header {alg, kid, typ: JWT},
 * iss = sub = client id, aud = the token URL, exp, jti) exchanged for an access token, which is cached until shortly
 * before it expires and asked for again after a 401. Keys are never printed.
 */
export interface Credentials {
  clientId: string;
  /** Found through `[base]/.well-known/smart-configuration` when not given. */
  tokenUrl?: string;
  key: CryptoKey | Uint8Array;
  alg: 'ES384' | 'RS384';
  kid: string;
  scope: string;
}

export interface CredentialOptions {
  /** A client file of `npm run auth -- register` (`client_id`, `tokenUrl`, `scope`, `privateJwk`). */
  client?: string;
  clientId?: string;
  /** A private key: a JWK (with `kid`) or PKCS#8 PEM (then `kid` is needed). */
  key?: string;
  kid?: string;
  scope?: string;
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DEFAULT_SCOPE = 'system/*.*';

/** The credentials the options name, or undefined when none are given (a server with AUTH_MODE=none). */
export async function loadCredentials(options: CredentialOptions): Promise<Credentials | undefined> {
  if (options.client) {
    const file = readJson(options.client) as {
      client_id?: string;
      tokenUrl?: string;
      scope?: string;
      privateJwk?: JWK;
    };
    if (!file.client_id || !file.privateJwk?.d) {
      throw new Error(`${options.client} is not a client file of npm run auth -- register (client_id, privateJwk)`);
    }
    return {
      ...(await jwkKey(file.privateJwk, options.client)),
      clientId: options.clientId ?? file.client_id,
      ...(file.tokenUrl ? { tokenUrl: file.tokenUrl } : {}),
      scope: options.scope ?? file.scope ?? DEFAULT_SCOPE,
    };
  }
  if (!options.clientId && !options.key) return undefined;
  if (!options.clientId || !options.key) throw new Error('--client-id and --key go together');
  const text = readKeyFile(options.key);
  const key = text.trimStart().startsWith('{')
    ? await jwkKey(JSON.parse(text) as JWK, options.key, options.kid)
    : await pemKey(text, options.key, options.kid);
  return { ...key, clientId: options.clientId, scope: options.scope ?? DEFAULT_SCOPE };
}

function readKeyFile(path: string): string {
  if (!existsSync(path)) throw new Error(`no key file ${path}`);
  return readFileSync(path, 'utf8');
}

const readJson = (path: string): unknown => JSON.parse(readKeyFile(path));

async function jwkKey(jwk: JWK, where: string, kid = jwk.kid) {
  const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RS384' : 'ES384');
  if (alg !== 'ES384' && alg !== 'RS384')
    throw new Error(`${where}: the key's alg is ${alg}; SMART asks for ES384 or RS384`);
  if (!jwk.d) throw new Error(`${where} holds no private key`);
  if (!kid) throw new Error(`${where} has no kid: pass --kid, the key id it was registered with`);
  return { key: (await importJWK(jwk, alg)) as CryptoKey, alg: alg as Credentials['alg'], kid };
}

async function pemKey(pem: string, where: string, kid: string | undefined) {
  if (!kid) throw new Error(`${where} is a PEM key: pass --kid, the key id it was registered with`);
  const type = createPrivateKey(pem).asymmetricKeyType;
  const alg = type === 'rsa' ? 'RS384' : type === 'ec' ? 'ES384' : undefined;
  if (!alg) throw new Error(`${where} is a ${type} key; SMART asks for an RSA (RS384) or EC P-384 (ES384) key`);
  return { key: await importPKCS8(pem, alg), alg: alg as Credentials['alg'], kid };
}

export type Send = (url: string, init?: RequestInit) => Promise<Response>;

/** Renew a token this long before the server says it expires, so none runs out in flight. */
const RENEW_MARGIN_MS = 30_000;

export class TokenSource {
  private current?: { token: string; renewAt: number };
  private tokenUrl?: string;

  constructor(
    private readonly credentials: Credentials,
    private readonly base: string,
  ) {}

  async token(): Promise<string> {
    if (this.current && Date.now() < this.current.renewAt) return this.current.token;
    const tokenUrl = await this.endpoint();
    const { clientId, kid, alg, key, scope } = this.credentials;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenUrl)
      .setExpirationTime('4m')
      .setJti(randomUUID())
      .sign(key);
    const response = await fetch(tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        client_assertion: assertion,
        scope,
      }),
    });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error_description?: string;
    };
    if (!response.ok || !body.access_token) {
      throw new Error(
        `token request to ${tokenUrl} answered ${response.status}${body.error_description ? `: ${body.error_description}` : ''}`,
      );
    }
    const lifetimeMs = (body.expires_in ?? 60) * 1000;
    this.current = {
      token: body.access_token,
      renewAt: Date.now() + Math.max(lifetimeMs - RENEW_MARGIN_MS, lifetimeMs / 2),
    };
    return body.access_token;
  }

  /** Forget the token (the server refused it: revoked, expired early, or the server restarted). */
  invalidate(): void {
    this.current = undefined;
  }

  private async endpoint(): Promise<string> {
    this.tokenUrl ??= this.credentials.tokenUrl ?? (await discoverTokenUrl(this.base));
    return this.tokenUrl;
  }
}

async function discoverTokenUrl(base: string): Promise<string> {
  const response = await fetch(`${base}/.well-known/smart-configuration`, { headers: { Accept: 'application/json' } });
  const body = (await response.json().catch(() => ({}))) as { token_endpoint?: string };
  if (!response.ok || !body.token_endpoint)
    throw new Error(`${base}/.well-known/smart-configuration names no token_endpoint`);
  return body.token_endpoint;
}

/**
 * `fetch` with the current access token; a 401 asks for a new token and sends the request once more (its body is
 * text or absent, so it can be sent again). Without a token source, plain `fetch`.
 */
export function authorisedFetch(tokens: TokenSource | undefined): Send {
  if (!tokens) return (url, init) => fetch(url, init);
  const attempt = async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${await tokens.token()}`);
    return fetch(url, { ...init, headers });
  };
  return async (url, init) => {
    const response = await attempt(url, init);
    if (response.status !== 401) return response;
    await response.body?.cancel();
    tokens.invalidate();
    return attempt(url, init);
  };
}
