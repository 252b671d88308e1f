import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { JWT_BEARER } from './token-service';
import type { ClientRegistration } from './registration';

/**
 * The client side of SMART Backend Services, as a bulk client does it: a key pair, a signed assertion, a token,
 * requests with the token. The CLI, `npm start`'s samples, the benchmarks and the tests all go through this.
 */
export interface ClientKeyPair {
  /** Keep secret: it signs this client's assertions. */
  privateJwk: JWK;
  /** What is registered (`jwks.keys[0]`). */
  publicJwk: JWK;
}

export async function generateClientKeyPair(alg: 'ES384' | 'RS384' = 'ES384'): Promise<ClientKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  };
}

export interface AssertionOptions {
  clientId: string;
  tokenUrl: string;
  privateJwk: JWK;
  /** Seconds until `exp` (SMART: at most 300). */
  expiresIn?: number;
}

/** A client assertion: header {alg, kid, typ: JWT}; iss = sub = client id, aud = token URL, exp, jti. */
export async function signClientAssertion({ clientId, tokenUrl, privateJwk, expiresIn = 240 }: AssertionOptions) {
  const alg = privateJwk.alg ?? 'ES384';
  return new SignJWT({})
    .setProtectedHeader({ alg, kid: privateJwk.kid!, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
    .setJti(randomUUID())
    .sign(await importJWK(privateJwk, alg));
}

/** The token endpoint's form body for a client assertion. */
export const tokenRequestBody = (assertion: string, scope: string) =>
  new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
    scope,
  });

export interface BackendClientOptions extends Omit<AssertionOptions, 'expiresIn'> {
  scope: string;
  /** How requests are sent (the global fetch by default), e.g. one that trusts a private CA for an https server. */
  send?: typeof fetch;
}

/** Asks for new tokens before the old one runs out, and sends each request with the current one. */
export class BackendServicesClient {
  private current?: { token: string; renewAt: number; scope: string };

  private readonly send: typeof fetch;

  constructor(private readonly options: BackendClientOptions) {
    this.send = options.send ?? fetch;
  }

  /** A valid access token, renewed 30 s before it expires. */
  async token(): Promise<string> {
    if (this.current && Date.now() < this.current.renewAt) return this.current.token;
    const assertion = await signClientAssertion(this.options);
    const response = await this.send(this.options.tokenUrl, {
      method: 'POST',
      body: tokenRequestBody(assertion, this.options.scope),
    });
    const body = (await response.json()) as { access_token?: string; expires_in?: number; scope?: string };
    if (!response.ok || !body.access_token) {
      throw new Error(`Token request failed: HTTP ${response.status} ${JSON.stringify(body)}`);
    }
    this.current = {
      token: body.access_token,
      renewAt: Date.now() + Math.max(0, (body.expires_in ?? 60) - 30) * 1000,
      scope: body.scope ?? '',
    };
    return body.access_token;
  }

  /** `fetch` with `Authorization: Bearer <token>`. */
  fetch = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${await this.token()}`);
    return this.send(input, { ...init, headers });
  };

  /** The headers of an authorised request (for clients that build their own requests). */
  async headers(): Promise<Record<string, string>> {
    return { Authorization: `Bearer ${await this.token()}` };
  }
}

/**
 * Registers a client through the API's registration endpoint with the administrator's credential, sent by `send`
 * (see BackendClientOptions).
 */
export async function registerClient(
  authBaseUrl: string,
  adminToken: string,
  registration: ClientRegistration,
  send: typeof fetch = fetch,
): Promise<{ client_id: string } & ClientRegistration> {
  const response = await send(`${authBaseUrl}/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminToken}` },
    body: JSON.stringify(registration),
  });
  const body = (await response.json()) as { client_id: string } & ClientRegistration;
  if (response.status !== 201) throw new Error(`Registration failed: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}
