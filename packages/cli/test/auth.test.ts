import { type CryptoKey, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorisedFetch, loadCredentials, TokenSource } from '../src/auth';

// A stand-in token endpoint and resource on loopback: it checks the assertion as a SMART server does, issues
// numbered tokens, and the resource refuses every token but the newest (as after a revocation or a restart).
let server: Server;
let base: string;
let dir: string;
let publicKey: CryptoKey;
let issued = 0;
const assertions: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const pair = await generateKeyPair('ES384', { extractable: true });
  publicKey = pair.publicKey;
  dir = mkdtempSync(join(tmpdir(), 'fhir-bulk-auth-'));
  writeFileSync(join(dir, 'key.jwk'), JSON.stringify({ ...(await exportJWK(pair.privateKey)), kid: 'k1' }));
  writeFileSync(
    join(dir, 'key.pem'),
    (await import('node:crypto')).KeyObject.from(pair.privateKey).export({ type: 'pkcs8', format: 'pem' }),
  );
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      void (async () => {
        if (req.url === '/.well-known/smart-configuration') {
          return res.end(JSON.stringify({ token_endpoint: `${base}/token` }));
        }
        if (req.url === '/token') {
          const form = new URLSearchParams(body);
          const { payload, protectedHeader } = await jwtVerify(form.get('client_assertion')!, publicKey, {
            audience: `${base}/token`,
          });
          assertions.push({ ...payload, ...protectedHeader, scope: form.get('scope') });
          return res.end(JSON.stringify({ access_token: `t${++issued}`, token_type: 'bearer', expires_in: 300 }));
        }
        const fresh = req.headers.authorization === `Bearer t${issued}`;
        res.statusCode = fresh ? 200 : 401;
        res.end(fresh ? 'ok' : '');
      })();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SMART Backend Services from a key file', () => {
  it('signs an assertion (kid, iss = sub = client id, aud = the discovered token URL) and caches the token', async () => {
    const credentials = await loadCredentials({ clientId: 'c1', key: join(dir, 'key.jwk'), scope: 'system/*.rs' });
    const tokens = new TokenSource(credentials!, base);
    expect(await tokens.token()).toBe(await tokens.token());
    expect(assertions.at(-1)).toMatchObject({
      alg: 'ES384',
      kid: 'k1',
      typ: 'JWT',
      iss: 'c1',
      sub: 'c1',
      aud: `${base}/token`,
      scope: 'system/*.rs',
    });
  });

  it('asks for a new token after a 401 and sends the request once more', async () => {
    const tokens = new TokenSource((await loadCredentials({ clientId: 'c1', key: join(dir, 'key.jwk') }))!, base);
    const send = authorisedFetch(tokens);
    expect((await send(`${base}/resource`)).status).toBe(200);
    issued++; // the server now takes only a token it has not issued yet: the one in hand is refused
    const before = issued;
    expect((await send(`${base}/resource`)).status).toBe(200);
    expect(issued).toBe(before + 1);
  });

  it('reads a PKCS#8 PEM key with the kid it was registered with, and asks for one', async () => {
    const pem = join(dir, 'key.pem');
    await expect(loadCredentials({ clientId: 'c1', key: pem })).rejects.toThrow(/--kid/);
    const credentials = await loadCredentials({ clientId: 'c1', key: pem, kid: 'k1' });
    expect(credentials).toMatchObject({ alg: 'ES384', kid: 'k1', scope: 'system/*.*' });
    await new TokenSource(credentials!, base).token();
    expect(assertions.at(-1)).toMatchObject({ alg: 'ES384', kid: 'k1' });
  });

  it('needs both a client id and a key, or neither (a server without authorization)', async () => {
    await expect(loadCredentials({ clientId: 'c1' })).rejects.toThrow(/go together/);
    expect(await loadCredentials({})).toBeUndefined();
  });
});
