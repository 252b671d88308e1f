import { generateClientKeyPair, registerClient } from '@fhir-bulk/auth';
import { type BulkStack, freePort, stackEnv, startBulkStack, waitFor } from '@fhir-bulk/test-support';
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { assertionFor, fetchWith, manageClients, newRegistration, requestToken, tokenForm } from './auth-requests';

/**
 * No credential ever reaches a log line: the API runs as its own process at LOG_LEVEL=debug with its output
 * captured, is driven through good and bad token requests, good and bad access tokens and client registration, and
 * its whole log is then searched for every secret it was shown.
 */
let stack: BulkStack;
let api: ChildProcess;
let apiBase: string;
let log = '';

beforeAll(async () => {
  stack = await startBulkStack({ inProcessWorker: false });
  const port = await freePort();
  apiBase = `http://127.0.0.1:${port}`;
  api = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../src/main.ts')], {
    cwd: resolve(__dirname, '../../..'),
    env: {
      ...process.env,
      ...stackEnv(stack),
      API_PORT: String(port),
      PUBLIC_BASE_URL: apiBase,
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [api.stdout!, api.stderr!]) stream.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitFor(
    async () => (await fetch(`${apiBase}/healthz`).catch(() => undefined))?.status === 200,
    60_000,
    'the API process',
  );
});

afterAll(async () => {
  if (api.exitCode === null && api.signalCode === null) {
    const exited = new Promise((done) => api.once('exit', done));
    api.kill('SIGKILL');
    await exited;
  }
  await stack.stop();
});

/** Stops the API the way an operator would, so that everything it logged has been written. */
async function stopApi(): Promise<void> {
  const exited = new Promise((done) => api.once('exit', done));
  api.kill('SIGTERM');
  await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
  if (api.exitCode === null && api.signalCode === null) api.kill('SIGKILL');
}

describe('the API log', () => {
  it('holds no access token, client assertion, private key or administrator credential', async () => {
    const secrets: string[] = [stack.adminToken];
    const tokenUrl = `${apiBase}/auth/token`;

    // Registration with the administrator credential, and attempts with wrong ones.
    const { keys, registration } = await newRegistration({ client_name: 'logged client' });
    const registered = await registerClient(apiBase, stack.adminToken, registration);
    const client = { clientId: registered.client_id, keys };
    secrets.push(keys.privateJwk.d!);
    const wrongAdmin = `${stack.adminToken.slice(0, -4)}0000`;
    secrets.push(wrongAdmin);
    expect((await manageClients(apiBase, wrongAdmin, 'POST', '/auth/register', registration)).status).toBe(401);
    expect((await manageClients(apiBase, stack.adminToken, 'GET', '/auth/clients')).status).toBe(200);
    const invalid = { ...registration, jwks: { keys: [keys.privateJwk] } };
    expect((await manageClients(apiBase, stack.adminToken, 'POST', '/auth/register', invalid)).status).toBe(400);

    // Token requests: good ones, and each kind of bad one.
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const assertion = await assertionFor(tokenUrl, client);
      secrets.push(assertion);
      const reply = await requestToken(apiBase, tokenForm(assertion, 'system/*.*'));
      expect(reply.status).toBe(200);
      tokens.push(reply.body.access_token as string);
      expect((await requestToken(apiBase, tokenForm(assertion, 'system/*.*'))).status).toBe(401); // replayed
    }
    secrets.push(...tokens);
    const stranger = await generateClientKeyPair();
    secrets.push(stranger.privateJwk.d!);
    const badAssertions = [
      await assertionFor(tokenUrl, client, { signWith: { ...stranger.privateJwk, kid: keys.privateJwk.kid } }),
      await assertionFor(tokenUrl, client, { claims: { aud: `${apiBase}/` } }),
      await assertionFor(tokenUrl, client, { claims: { exp: Math.floor(Date.now() / 1000) - 600 } }),
    ];
    secrets.push(...badAssertions);
    for (const assertion of badAssertions) {
      expect((await requestToken(apiBase, tokenForm(assertion))).status).toBe(401);
    }
    const goodButWrongGrant = await assertionFor(tokenUrl, client);
    secrets.push(goodButWrongGrant);
    expect((await requestToken(apiBase, { ...tokenForm(goodButWrongGrant), grant_type: 'password' })).status).toBe(400);
    const unknownScope = await assertionFor(tokenUrl, client);
    secrets.push(unknownScope);
    expect((await requestToken(apiBase, tokenForm(unknownScope, 'patient/*.read'))).status).toBe(400);

    // FHIR requests: with good tokens, with a bad one, and with the administrator credential as if a token.
    const authorized = fetchWith(tokens[0]);
    expect((await authorized(`${apiBase}/Patient`)).status).toBe(200);
    expect((await authorized(`${apiBase}/Patient/missing`)).status).toBe(404);
    expect(
      (await authorized(`${apiBase}/$export?_type=Patient`, { headers: { Prefer: 'respond-async' } })).status,
    ).toBe(202);
    expect(
      (
        await authorized(`${apiBase}/Patient`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/fhir+json' },
          body: '{not json',
        })
      ).status,
    ).toBe(400);
    const guessed = `${tokens[1]!.slice(0, -3)}abc`;
    secrets.push(guessed);
    expect((await fetchWith(guessed)(`${apiBase}/Patient`)).status).toBe(401);
    expect((await fetchWith(stack.adminToken)(`${apiBase}/Patient`)).status).toBe(401);
    expect((await fetchWith(tokens[1])(`${apiBase}/tenant/t/Observation`)).status).toBe(200);

    await stopApi();
    // The log was captured (so the search below is of something), and has none of the secrets.
    expect(log).toContain('api listening');
    const leaked = secrets.filter((secret) => log.includes(secret));
    expect(leaked).toEqual([]);
    // Nor any part of one: a JWT's signature, or half a token.
    for (const secret of secrets) {
      const tail = secret.includes('.') ? secret.split('.').pop()! : secret.slice(secret.length / 2);
      if (tail.length >= 16) expect(log).not.toContain(tail);
    }
  });
});
