import { type BulkStack, startBulkStack, type TestClient } from '@fhir-bulk/test-support';
import {
  assertionFor,
  fetchWith,
  manageClients,
  newRegistration,
  type OAuthErrorBody,
  requestToken,
  tokenForm,
  tokenUrlOf,
} from './auth-requests';

/**
 * Client management (`/auth/register`, `/auth/clients`): RFC 7591 registration and the list, read, disable, enable
 * and delete of clients, for the administrator's credential or a client holding `admin` only. Disabling a client
 * stops its tokens at the next request.
 */
let stack: BulkStack;
beforeAll(async () => {
  stack = await startBulkStack({ inProcessWorker: false });
});
afterAll(() => stack.stop());

interface ClientInformation {
  client_id: string;
  client_id_issued_at: number;
  client_name: string;
  jwks?: { keys: Array<Record<string, unknown>> };
  jwks_uri?: string;
  scope: string;
  permissions: string[];
  tenants: string[];
  disabled: boolean;
  token_endpoint_auth_method: string;
  grant_types: string[];
}

const asAdmin = <T = ClientInformation>(method: string, path: string, body?: unknown) =>
  manageClients<T>(stack.baseUrl, stack.adminToken, method, path, body);

/** A FHIR search with `token`. */
const searchWith = (token: string) => fetchWith(token)(`${stack.baseUrl}/Patient`);
/** A token request by `who`, with a fresh assertion. */
const tokenOf = async (who: TestClient, scope = 'system/*.*') =>
  requestToken(stack.baseUrl, tokenForm(await assertionFor(tokenUrlOf(stack), who), scope));

describe('registration with the administrator credential', () => {
  it('answers 201 with the client information of RFC 7591, and no secret', async () => {
    const { keys, registration } = await newRegistration({
      client_name: 'nightly export',
      scope: 'system/*.read system/Patient.cruds',
      permissions: ['bulk-export/read', 'audit/read'],
      tenants: ['default', 't2'],
    });
    const before = Math.floor(Date.now() / 1000);
    const reply = await asAdmin('POST', '/auth/register', registration);
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      client_id: expect.any(String),
      client_id_issued_at: expect.any(Number),
      client_name: 'nightly export',
      jwks: { keys: [keys.publicJwk] },
      scope: 'system/*.read system/Patient.cruds',
      permissions: ['bulk-export/read', 'audit/read'],
      tenants: ['default', 't2'],
      disabled: false,
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: ['client_credentials'],
    });
    expect(reply.body.client_id_issued_at).toBeGreaterThanOrEqual(before - 5);
    expect(reply.body.client_id_issued_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 5);
    expect(JSON.stringify(reply.body)).not.toContain(keys.privateJwk.d!);
  });

  it('gives every client its own id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const { registration } = await newRegistration();
      ids.add((await asAdmin('POST', '/auth/register', registration)).body.client_id);
    }
    expect(ids.size).toBe(3);
  });

  it('lists, reads, disables, enables and deletes a client', async () => {
    const { registration } = await newRegistration({ client_name: 'managed' });
    const created = (await asAdmin('POST', '/auth/register', registration)).body;
    const path = `/auth/clients/${created.client_id}`;

    const list = await asAdmin<{ clients: ClientInformation[] }>('GET', '/auth/clients');
    expect(list.status).toBe(200);
    expect(list.body.clients).toContainEqual(created);
    expect(await asAdmin('GET', path)).toMatchObject({ status: 200, body: created });

    expect(await asAdmin('POST', `${path}/disable`)).toMatchObject({
      status: 200,
      body: { ...created, disabled: true },
    });
    expect((await asAdmin('GET', path)).body.disabled).toBe(true);
    expect(await asAdmin('POST', `${path}/enable`)).toMatchObject({
      status: 200,
      body: { ...created, disabled: false },
    });
    expect((await asAdmin('GET', path)).body.disabled).toBe(false);

    expect((await asAdmin('DELETE', path)).status).toBe(204);
    expect(await asAdmin('GET', path)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await asAdmin<{ clients: ClientInformation[] }>('GET', '/auth/clients')).body.clients).not.toContainEqual(
      expect.objectContaining({ client_id: created.client_id }),
    );
  });

  it.each([
    ['GET', ''],
    ['POST', '/disable'],
    ['POST', '/enable'],
    ['DELETE', ''],
  ])('answers 404 not_found to %s of an unknown client%s', async (method, action) => {
    const reply = await asAdmin<OAuthErrorBody>(method, `/auth/clients/00000000-0000-0000-0000-000000000000${action}`);
    expect(reply.status).toBe(404);
    expect(reply.body.error).toBe('not_found');
  });
});

describe('who may manage clients', () => {
  const routes = (id: string): Array<[string, string, unknown?]> => [
    ['POST', '/auth/register', 'registration'],
    ['GET', '/auth/clients'],
    ['GET', `/auth/clients/${id}`],
    ['POST', `/auth/clients/${id}/disable`],
    ['POST', `/auth/clients/${id}/enable`],
    ['DELETE', `/auth/clients/${id}`],
  ];
  /** Every management route with `credential`; returns the statuses and checks nothing was changed. */
  async function statusesWith(credential: string | undefined): Promise<number[]> {
    const { registration } = await newRegistration({ client_name: 'target' });
    const target = (await asAdmin('POST', '/auth/register', registration)).body;
    const before = (await asAdmin<{ clients: ClientInformation[] }>('GET', '/auth/clients')).body.clients.length;
    const statuses: number[] = [];
    for (const [method, path, body] of routes(target.client_id)) {
      const sent = body === 'registration' ? (await newRegistration({ client_name: 'intruder' })).registration : body;
      const reply = await manageClients(stack.baseUrl, credential, method, path, sent);
      statuses.push(reply.status);
      expect(reply.body).toMatchObject({ error: expect.any(String) });
    }
    expect(await asAdmin('GET', `/auth/clients/${target.client_id}`)).toMatchObject({ status: 200, body: target });
    expect((await asAdmin<{ clients: ClientInformation[] }>('GET', '/auth/clients')).body.clients).toHaveLength(before);
    return statuses;
  }

  it('answers 401 to every management request without a credential', async () => {
    expect(await statusesWith(undefined)).toEqual([401, 401, 401, 401, 401, 401]);
  });

  it('answers 401 without a credential, before reading the body', async () => {
    const reply = await manageClients<OAuthErrorBody>(stack.baseUrl, undefined, 'POST', '/auth/register', '{"client');
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ error: expect.any(String) });
  });

  it('answers 401 to a wrong administrator credential', async () => {
    expect(await statusesWith(`${stack.adminToken.slice(0, -1)}x`)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(await statusesWith('not-the-admin-token')).toEqual([401, 401, 401, 401, 401, 401]);
  });

  it('refuses a client token without the admin permission (401 or 403)', async () => {
    const { body } = await tokenOf(stack.auth);
    const statuses = await statusesWith(body.access_token as string);
    expect(statuses.every((status) => status === 401 || status === 403)).toBe(true);
  });

  it('lets a client holding the admin permission manage clients', async () => {
    const admin = await stack.registerClient({ permissions: ['admin'] });
    const { body } = await tokenOf(admin);
    const token = body.access_token as string;
    const { registration } = await newRegistration({ client_name: 'registered by a client' });
    const created = await manageClients<ClientInformation>(
      stack.baseUrl,
      token,
      'POST',
      '/auth/register',
      registration,
    );
    expect(created.status).toBe(201);
    const path = `/auth/clients/${created.body.client_id}`;
    expect((await manageClients(stack.baseUrl, token, 'GET', '/auth/clients')).status).toBe(200);
    expect(await manageClients(stack.baseUrl, token, 'GET', path)).toMatchObject({ status: 200, body: created.body });
    expect((await manageClients(stack.baseUrl, token, 'POST', `${path}/disable`)).status).toBe(200);
    expect((await manageClients(stack.baseUrl, token, 'POST', `${path}/enable`)).status).toBe(200);
    expect((await manageClients(stack.baseUrl, token, 'DELETE', path)).status).toBe(204);
  });

  it('does not take an admin client token once the client is disabled', async () => {
    const admin = await stack.registerClient({ permissions: ['admin'] });
    const token = (await tokenOf(admin)).body.access_token as string;
    expect((await asAdmin('POST', `/auth/clients/${admin.clientId}/disable`)).status).toBe(200);
    expect((await manageClients(stack.baseUrl, token, 'GET', '/auth/clients')).status).toBe(401);
  });
});

describe('a disabled client', () => {
  it('loses its live tokens at once, and has them back when enabled', async () => {
    const client = await stack.registerClient();
    const token = (await tokenOf(client)).body.access_token as string;
    expect((await searchWith(token)).status).toBe(200);

    expect((await asAdmin('POST', `/auth/clients/${client.clientId}/disable`)).status).toBe(200);
    const refused = await searchWith(token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    expect((await tokenOf(client)).status).toBe(401);

    expect((await asAdmin('POST', `/auth/clients/${client.clientId}/enable`)).status).toBe(200);
    expect((await searchWith(token)).status).toBe(200);
    expect((await searchWith((await tokenOf(client)).body.access_token as string)).status).toBe(200);
  });

  it('once deleted, its live tokens are refused', async () => {
    const client = await stack.registerClient();
    const token = (await tokenOf(client)).body.access_token as string;
    expect((await searchWith(token)).status).toBe(200);
    expect((await asAdmin('DELETE', `/auth/clients/${client.clientId}`)).status).toBe(204);
    expect((await searchWith(token)).status).toBe(401);
  });
});

describe('invalid registrations', () => {
  it.each<[string, (body: Record<string, unknown>, d: Record<string, unknown>) => unknown]>([
    ['no client_name', ({ client_name: _, ...rest }) => rest],
    ['both jwks and jwks_uri', (body) => ({ ...body, jwks_uri: 'https://keys.example.org/jwks.json' })],
    ['neither jwks nor jwks_uri', ({ jwks: _, ...rest }) => rest],
    ['a private key', (body, privateJwk) => ({ ...body, jwks: { keys: [privateJwk] } })],
    ['a symmetric key (kty oct)', (body) => ({ ...body, jwks: { keys: [{ kty: 'oct', kid: 'k', k: 'c2VjcmV0' }] } })],
    ['a scope that is not a system scope', (body) => ({ ...body, scope: 'patient/*.read' })],
    ['a v2 scope out of order', (body) => ({ ...body, scope: 'system/*.rc' })],
    ['an unknown permission', (body) => ({ ...body, permissions: ['superuser'] })],
    ['an invalid tenant id', (body) => ({ ...body, tenants: ['bad tenant'] })],
    ['no tenants', (body) => ({ ...body, tenants: [] })],
    ['a JSON array', (body) => [body]],
  ])('answers 400 invalid_client_metadata to %s, and registers nothing', async (_what, change) => {
    const { keys, registration } = await newRegistration({ client_name: 'invalid' });
    const before = (await asAdmin<{ clients: ClientInformation[] }>('GET', '/auth/clients')).body.clients.length;
    const reply = await asAdmin<OAuthErrorBody>(
      'POST',
      '/auth/register',
      change(registration as unknown as Record<string, unknown>, keys.privateJwk as Record<string, unknown>),
    );
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.any(String) });
    expect((await asAdmin<{ clients: ClientInformation[] }>('GET', '/auth/clients')).body.clients).toHaveLength(before);
  });

  it('answers 400 invalid_client_metadata to a body that is not JSON', async () => {
    const reply = await asAdmin<OAuthErrorBody>('POST', '/auth/register', '{"client_name": ');
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: 'invalid_client_metadata' });
  });
});
