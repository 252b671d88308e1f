import { generateClientKeyPair, registerClient } from '@fhir-bulk/auth';
import { type BulkStack, startBulkStack, type TestClient } from '@fhir-bulk/test-support';
import { SignJWT } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  assertionFor,
  type AssertionParts,
  fetchWith,
  manageClients,
  newRegistration,
  type OAuthErrorBody,
  requestToken,
  tokenForm,
  tokenUrlOf,
} from './auth-requests';

/**
 * The token endpoint (`POST /auth/token`) as SMART Backend Services defines it, check by check as Inferno's
 * SMART Backend Services suite runs them: every malformed request and every bad assertion is refused with the
 * OAuth error the spec names; a good one gets a short-lived bearer token with the granted scopes. Keys are
 * registered inline, or served from a jwks_uri on a local key server.
 */
let stack: BulkStack;
let client: TestClient;
let keyServer: Server;
let keyBase: string;
/** What the key server serves: path → JWK Set. */
const keySets = new Map<string, unknown>();

beforeAll(async () => {
  keyServer = createServer((req, res) => {
    const jwks = keySets.get(req.url ?? '');
    if (jwks === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  keyBase = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}`;
  stack = await startBulkStack({ env: { AUTH_JWKS_ALLOWED_PREFIXES: `${keyBase}/jwks/` }, inProcessWorker: false });
  client = await stack.registerClient({ scope: 'system/*.*' });
});

afterAll(async () => {
  await stack.stop();
  keyServer.close();
});

const tokenUrl = () => tokenUrlOf(stack);
const assertion = (parts?: AssertionParts, who: Pick<TestClient, 'clientId' | 'keys'> = client) =>
  assertionFor(tokenUrl(), who, parts);
const ask = (form: Record<string, string>) => requestToken(stack.baseUrl, form);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Expects the RFC 6749 §5.2 error: status, `error`, a description, and no caching. */
function expectOAuthError(reply: { status: number; headers: Headers; body: unknown }, status: number, error: string) {
  expect({ status: reply.status, body: reply.body }).toEqual({
    status,
    body: { error, error_description: expect.any(String) },
  });
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
}

describe('a valid token request', () => {
  it('answers 200 with a bearer token, its lifetime and scope, never to be cached', async () => {
    const reply = await ask(tokenForm(await assertion(), 'system/*.read'));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: expect.any(Number),
      scope: 'system/*.read',
    });
    expect(reply.body.expires_in).toBeGreaterThan(0);
    expect(reply.body.expires_in).toBeLessThanOrEqual(300);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('gives a token that opens the FHIR API', async () => {
    const { body } = await ask(tokenForm(await assertion(), 'system/*.read'));
    const search = await fetchWith(body.access_token as string)(`${stack.baseUrl}/Patient`);
    expect(search.status).toBe(200);
    expect(((await search.json()) as { resourceType: string }).resourceType).toBe('Bundle');
  });

  it('gives a new token for each request', async () => {
    const first = await ask(tokenForm(await assertion()));
    const second = await ask(tokenForm(await assertion()));
    expect(first.body.access_token).not.toBe(second.body.access_token);
  });

  it.each(['RS384', 'ES384'] as const)('accepts assertions signed with %s', async (alg) => {
    const { keys, registration } = await newRegistration({}, alg);
    const { client_id } = await registerClient(stack.baseUrl, stack.adminToken, registration);
    const reply = await ask(tokenForm(await assertion({}, { clientId: client_id, keys })));
    expect(reply.status).toBe(200);
  });

  it('accepts an assertion signed with any of the keys a client registered', async () => {
    const [rsa, ec] = [await generateClientKeyPair('RS384'), await generateClientKeyPair('ES384')];
    const { registration } = await newRegistration({ jwks: { keys: [rsa.publicJwk, ec.publicJwk] } });
    const { client_id } = await registerClient(stack.baseUrl, stack.adminToken, registration);
    for (const keys of [rsa, ec]) {
      expect((await ask(tokenForm(await assertion({}, { clientId: client_id, keys })))).status).toBe(200);
    }
  });
});

describe('the granted scope', () => {
  let narrow: TestClient;
  beforeAll(async () => {
    narrow = await stack.registerClient({ scope: 'system/Patient.rs system/Observation.read' });
  });
  const askAs = async (scope: string) => ask(tokenForm(await assertion({}, narrow), scope));

  it('is what the client asked for and was registered for: system/*.read becomes each registered type', async () => {
    const reply = await askAs('system/*.read');
    expect(reply.status).toBe(200);
    expect(new Set((reply.body.scope as string).split(' '))).toEqual(
      new Set(['system/Patient.read', 'system/Observation.read']),
    );
  });

  it('leaves out verbs the client was not registered for', async () => {
    const reply = await askAs('system/Patient.cruds');
    expect(reply.status).toBe(200);
    expect(reply.body.scope).toBe('system/Patient.rs');
  });

  it('leaves out scopes that are not system scopes', async () => {
    const reply = await askAs('patient/*.read launch system/Observation.read openid');
    expect(reply.status).toBe(200);
    expect(reply.body.scope).toBe('system/Observation.read');
  });

  it.each(['system/Condition.read', 'system/Patient.cud', 'patient/*.read', 'system/*.rc'])(
    'answers 400 invalid_scope when nothing of %s can be granted',
    async (scope) => {
      expectOAuthError(await askAs(scope), 400, 'invalid_scope');
    },
  );
});

describe('malformed token requests', () => {
  const valid = async () => tokenForm(await assertion());
  const without = async (field: string) => {
    const form = await valid();
    delete form[field];
    return form;
  };

  it('answers 400 unsupported_grant_type for another grant type', async () => {
    expectOAuthError(
      await ask({ ...(await valid()), grant_type: 'authorization_code' }),
      400,
      'unsupported_grant_type',
    );
    expectOAuthError(await ask({ ...(await valid()), grant_type: 'password' }), 400, 'unsupported_grant_type');
  });

  it.each(['grant_type', 'client_assertion_type', 'client_assertion', 'scope'])(
    'answers 400 invalid_request without %s',
    async (field) => {
      expectOAuthError(await ask(await without(field)), 400, 'invalid_request');
    },
  );

  it('answers 400 invalid_request for another client_assertion_type', async () => {
    const form = {
      ...(await valid()),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
    };
    expectOAuthError(await ask(form), 400, 'invalid_request');
  });

  it('answers 400 invalid_request, as OAuth JSON, for a body that does not parse', async () => {
    const response = await fetch(tokenUrl(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"grant_type": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
  });

  it('answers 400 invalid_request for a JSON body instead of a form', async () => {
    const response = await fetch(tokenUrl(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(await valid()),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as OAuthErrorBody).error).toBe('invalid_request');
  });
});

describe('client assertions refused with 401 invalid_client', () => {
  const refused = async (client_assertion: string) => {
    expectOAuthError(await ask(tokenForm(client_assertion)), 401, 'invalid_client');
  };

  it('refuses a client_assertion that is not a JWT', async () => {
    await refused('not-a-jwt');
    await refused('a.b.c');
  });

  it('refuses an unsigned assertion (alg none)', async () => {
    const valid = (await assertion()).split('.');
    const header = base64url({ alg: 'none', typ: 'JWT', kid: client.keys.privateJwk.kid });
    await refused(`${header}.${valid[1]}.`);
  });

  it('refuses an assertion signed with a shared secret (HS256), even under the client kid', async () => {
    const [, payload] = (await assertion()).split('.');
    const forged = await new SignJWT(JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, never>)
      .setProtectedHeader({ alg: 'HS256', kid: client.keys.privateJwk.kid!, typ: 'JWT' })
      .sign(new TextEncoder().encode('a shared secret that is at least 32 bytes long'));
    await refused(forged);
  });

  it('refuses an RS256 assertion (SMART asks for RS384 or ES384)', async () => {
    const { keys, registration } = await newRegistration({}, 'RS384');
    const { client_id } = await registerClient(stack.baseUrl, stack.adminToken, registration);
    await refused(await assertion({ header: { alg: 'RS256' } }, { clientId: client_id, keys }));
  });

  it('refuses an assertion naming a kid the client did not register', async () => {
    await refused(await assertion({ header: { kid: 'not-a-registered-kid' } }));
  });

  it('refuses an assertion with no kid', async () => {
    await refused(await assertion({ header: { kid: undefined } }));
  });

  it('refuses an assertion signed by another key under the registered kid', async () => {
    const other = await generateClientKeyPair('ES384');
    await refused(await assertion({ signWith: { ...other.privateJwk, kid: client.keys.privateJwk.kid } }));
  });

  it('refuses an assertion whose signature was altered', async () => {
    const [header, payload, signature] = (await assertion()).split('.');
    const flipped = `${signature!.slice(0, -4)}${signature!.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    await refused(`${header}.${payload}.${flipped}`);
  });

  it('refuses an assertion whose claims were altered after signing', async () => {
    const [header, , signature] = (await assertion()).split('.');
    const claims = { iss: client.clientId, sub: client.clientId, aud: tokenUrl(), exp: nowSeconds() + 200, jti: 'x' };
    await refused(`${header}.${base64url(claims)}.${signature}`);
  });

  it('refuses an assertion whose iss is not the client that signed it', async () => {
    const other = await stack.registerClient();
    await refused(await assertion({ claims: { iss: other.clientId } }));
    await refused(await assertion({ claims: { iss: 'no-such-client' } }));
  });

  it('refuses an assertion with no iss', async () => {
    await refused(await assertion({ claims: { iss: undefined } }));
  });

  it('refuses an assertion whose sub is not its client id', async () => {
    await refused(await assertion({ claims: { sub: 'someone-else' } }));
    await refused(await assertion({ claims: { sub: undefined } }));
  });

  it('refuses an assertion for another audience than the token URL', async () => {
    await refused(await assertion({ claims: { aud: `${stack.baseUrl}/` } }));
    await refused(await assertion({ claims: { aud: `${stack.baseUrl}/token` } }));
    await refused(await assertion({ claims: { aud: 'https://other.example/auth/token' } }));
  });

  it('refuses an expired assertion', async () => {
    await refused(await assertion({ claims: { exp: nowSeconds() - 120 } }));
  });

  it('refuses an assertion that expires more than five minutes from now', async () => {
    await refused(await assertion({ claims: { exp: nowSeconds() + 600 } }));
  });

  it('refuses an assertion with no exp', async () => {
    await refused(await assertion({ claims: { exp: undefined } }));
  });

  it('refuses an assertion with no jti', async () => {
    await refused(await assertion({ claims: { jti: undefined } }));
  });

  it('refuses an assertion used a second time', async () => {
    const once = await assertion();
    expect((await ask(tokenForm(once))).status).toBe(200);
    await refused(once);
  });

  it('refuses a jti used before by the same client, in a new assertion', async () => {
    const jti = `jti-${Date.now()}`;
    expect((await ask(tokenForm(await assertion({ claims: { jti } })))).status).toBe(200);
    await refused(await assertion({ claims: { jti } }));
  });

  it('accepts the same jti from two different clients', async () => {
    const other = await stack.registerClient();
    const jti = `shared-${Date.now()}`;
    expect((await ask(tokenForm(await assertion({ claims: { jti } })))).status).toBe(200);
    expect((await ask(tokenForm(await assertion({ claims: { jti } }, other)))).status).toBe(200);
  });

  it('refuses a disabled client, and accepts it again once enabled', async () => {
    const disabled = await stack.registerClient();
    expect(
      (await manageClients(stack.baseUrl, stack.adminToken, 'POST', `/auth/clients/${disabled.clientId}/disable`))
        .status,
    ).toBe(200);
    await refused(await assertion({}, disabled));
    expect(
      (await manageClients(stack.baseUrl, stack.adminToken, 'POST', `/auth/clients/${disabled.clientId}/enable`))
        .status,
    ).toBe(200);
    expect((await ask(tokenForm(await assertion({}, disabled)))).status).toBe(200);
  });

  it('refuses a deleted client', async () => {
    const deleted = await stack.registerClient();
    expect(
      (await manageClients(stack.baseUrl, stack.adminToken, 'DELETE', `/auth/clients/${deleted.clientId}`)).status,
    ).toBe(204);
    await refused(await assertion({}, deleted));
  });
});

describe('clients with a jwks_uri', () => {
  const serve = (path: string, ...keys: object[]) => keySets.set(path, { keys });
  const registerWithUri = async (path: string) => {
    const { registration } = await newRegistration({ jwks: undefined, jwks_uri: `${keyBase}${path}` });
    delete registration.jwks;
    return registerClient(stack.baseUrl, stack.adminToken, registration);
  };

  it('registers the jwks_uri and signs in with a key served there', async () => {
    const keys = await generateClientKeyPair('ES384');
    serve('/jwks/served.json', keys.publicJwk);
    const registered = await registerWithUri('/jwks/served.json');
    expect(registered).toMatchObject({ jwks_uri: `${keyBase}/jwks/served.json` });
    expect(registered).not.toHaveProperty('jwks');
    expect(await ask(tokenForm(await assertion({}, { clientId: registered.client_id, keys })))).toMatchObject({
      status: 200,
    });
  });

  it('refuses a key the jwks_uri does not serve', async () => {
    const [served, other] = [await generateClientKeyPair('ES384'), await generateClientKeyPair('ES384')];
    serve('/jwks/one-key.json', served.publicJwk);
    const { client_id } = await registerWithUri('/jwks/one-key.json');
    const reply = await ask(tokenForm(await assertion({}, { clientId: client_id, keys: other })));
    expectOAuthError(reply, 401, 'invalid_client');
  });

  it('refuses every assertion while the jwks_uri cannot be read', async () => {
    const keys = await generateClientKeyPair('ES384');
    const { client_id } = await registerWithUri('/jwks/missing.json');
    const reply = await ask(tokenForm(await assertion({}, { clientId: client_id, keys })));
    expectOAuthError(reply, 401, 'invalid_client');
  });

  it('picks up a rotated key: a new kid served later signs in, and the retired one no longer does', async () => {
    const [before, after] = [await generateClientKeyPair('ES384'), await generateClientKeyPair('RS384')];
    serve('/jwks/rotating.json', before.publicJwk);
    const { client_id } = await registerWithUri('/jwks/rotating.json');
    const signIn = async (keys: typeof before) =>
      (await ask(tokenForm(await assertion({}, { clientId: client_id, keys })))).status;
    expect(await signIn(before)).toBe(200);

    serve('/jwks/rotating.json', after.publicJwk);
    // The server may keep the fetched set a little while (it refetches for an unknown kid, rate-limited).
    const deadline = Date.now() + 90_000;
    let status = await signIn(after);
    while (status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      status = await signIn(after);
    }
    expect(status).toBe(200);
    expect(await signIn(before)).toBe(401);
  }, 120_000);

  it.each([
    ['another port on the same host', () => `http://127.0.0.1:1/jwks/keys.json`],
    ['another path on the key server', () => `${keyBase}/elsewhere/keys.json`],
    ['a public host not listed', () => 'https://keys.example.org/jwks.json'],
    ['a link-local metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
  ])('refuses at registration a jwks_uri outside the allowed prefixes: %s', async (_what, uri) => {
    const { registration } = await newRegistration({ jwks_uri: uri() });
    delete registration.jwks;
    const reply = await manageClients<OAuthErrorBody>(
      stack.baseUrl,
      stack.adminToken,
      'POST',
      '/auth/register',
      registration,
    );
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.any(String) });
  });
});
