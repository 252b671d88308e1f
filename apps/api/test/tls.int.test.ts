import type { ExportManifest } from '@fhir-bulk/export';
import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  createTestCertificates,
  fetchTrusting,
  freePort,
  pollUntilDone,
  registerBulkClient,
  type ServiceProcess,
  stackEnv,
  startBulkStack,
  startService,
  type TestCertificates,
  type TestClient,
  waitFor,
} from '@fhir-bulk/test-support';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type SecureVersion } from 'node:tls';
import { STRICT_TRANSPORT_SECURITY } from '../src/transport';

/**
 * The API served over TLS as `npm run api` serves it (its own process, TLS_CERT_FILE and TLS_KEY_FILE, a public
 * base of https://), with a certificate made for this suite by a CA made for it; the worker runs in this process.
 * The client trusts that CA and nothing is skipped: real certificate checks, real SMART tokens, the whole protocol.
 */
let stack: BulkStack;
let certs: TestCertificates;
let trusted: ReturnType<typeof fetchTrusting>;
let api: ServiceProcess;
let port: number;
let base: string;
let client: TestClient;

beforeAll(async () => {
  certs = createTestCertificates();
  stack = await startBulkStack();
  port = await freePort();
  base = `https://127.0.0.1:${port}`;
  // Node's own default is TLS 1.2 already; lowered for the process, the server must still refuse older versions.
  api = startService('api', { ...tlsEnv(), API_PORT: String(port), NODE_OPTIONS: '--tls-min-v1.0' });
  trusted = fetchTrusting(certs.ca);
  const healthy = () =>
    trusted.send(`${base}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
  await Promise.race([waitFor(healthy, 90_000, 'the API over HTTPS'), api.crashed]);
  client = await registerBulkClient(base, stack.adminToken, {}, 'system/*.*', trusted.send);
});
afterAll(async () => {
  await trusted?.close();
  await api?.stop();
  await stack?.stop();
  certs?.remove();
});

/** The suite's services, served over TLS under an https:// public base. */
const tlsEnv = () => ({
  ...stackEnv(stack),
  PUBLIC_BASE_URL: base,
  TLS_CERT_FILE: certs.certFile,
  TLS_KEY_FILE: certs.keyFile,
});

const hsts = (response: Response) => response.headers.get('strict-transport-security');

describe('an export over HTTPS', () => {
  it('goes token → kick-off → poll → download, every URL on the https:// public base, every answer with HSTS', async () => {
    const patients = Array.from({ length: 3 }, (_, i) => ({ resourceType: 'Patient', id: `tls-${i}` }));
    await bulkLoad(stack.store, 'default', patients);

    const kickoff = await client.http.fetch(`${base}/$export?_type=Patient`, { headers: { Prefer: 'respond-async' } });
    expect(kickoff.status).toBe(202);
    expect(hsts(kickoff)).toBe(STRICT_TRANSPORT_SECURITY);
    const statusUrl = kickoff.headers.get('content-location')!;
    expect(statusUrl).toMatch(new RegExp(`^${base}/_export/[0-9a-f-]{36}$`));

    const done = await pollUntilDone(statusUrl, client.http.fetch);
    expect(done.status).toBe(200);
    expect(hsts(done)).toBe(STRICT_TRANSPORT_SECURITY);
    const manifest = (await done.json()) as ExportManifest;
    expect(manifest.request).toBe(`${base}/$export?_type=Patient`);
    expect(manifest.requiresAccessToken).toBe(true);
    expect(manifest.output).toEqual([{ type: 'Patient', url: `${statusUrl}/files/Patient-0-0.ndjson`, count: 3 }]);

    const file = await client.http.fetch(manifest.output[0]!.url);
    expect(file.status).toBe(200);
    expect(hsts(file)).toBe(STRICT_TRANSPORT_SECURITY);
    const ids = (await file.text())
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids.sort()).toEqual(['tls-0', 'tls-1', 'tls-2']);
  });

  it('names the https:// base in the CapabilityStatement, SMART discovery and the token endpoint', async () => {
    const metadata = await trusted.send(`${base}/metadata`);
    expect(hsts(metadata)).toBe(STRICT_TRANSPORT_SECURITY);
    const capability = (await metadata.json()) as {
      implementation: { url: string };
      rest: Array<{ security?: { extension?: Array<{ extension: Array<{ url: string; valueUri: string }> }> } }>;
    };
    expect(capability.implementation.url).toBe(base);
    const oauthUris = capability.rest[0]!.security!.extension![0]!.extension;
    expect(oauthUris).toEqual([
      { url: 'token', valueUri: `${base}/auth/token` },
      { url: 'register', valueUri: `${base}/auth/register` },
    ]);
    const discovery = await trusted.send(`${base}/tenant/acme/.well-known/smart-configuration`);
    expect(hsts(discovery)).toBe(STRICT_TRANSPORT_SECURITY);
    expect(await discovery.json()).toMatchObject({ token_endpoint: `${base}/auth/token` });
    // Errors carry it too: a request without a token.
    const refused = await trusted.send(`${base}/Patient`);
    expect(refused.status).toBe(401);
    expect(hsts(refused)).toBe(STRICT_TRANSPORT_SECURITY);
  });
});

describe('the TLS port', () => {
  /** A handshake offering only `version`; old versions are offered at OpenSSL security level 0, as old clients do. */
  const handshake = (version: SecureVersion) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        ca: certs.ca,
        minVersion: version,
        maxVersion: version,
        ciphers: 'DEFAULT@SECLEVEL=0',
      });
      socket.once('secureConnect', () => {
        resolve(socket.getProtocol() ?? '');
        socket.end();
      });
      socket.once('error', reject);
    });

  it('refuses TLS 1.0 and 1.1 clients with a protocol_version alert, and speaks TLS 1.2 and 1.3', async () => {
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      await expect(handshake(version)).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    }
    expect(await handshake('TLSv1.2')).toBe('TLSv1.2');
    expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
  });

  it('answers no plain HTTP request', async () => {
    await expect(fetch(`http://127.0.0.1:${port}/metadata`)).rejects.toThrow('fetch failed');
  });

  it('is not trusted by a client that does not trust the CA', async () => {
    await expect(fetch(`${base}/metadata`)).rejects.toMatchObject({
      cause: { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    });
  });
});

describe('without TLS', () => {
  it('sends no Strict-Transport-Security', async () => {
    const metadata = await fetch(`${stack.baseUrl}/metadata`);
    expect(metadata.status).toBe(200);
    expect(hsts(metadata)).toBeNull();
  });
});

describe('starting and stopping', () => {
  it('refuses to start with a TLS file it cannot read, naming the setting and the file', async () => {
    const logs = mkdtempSync(join(tmpdir(), 'fhir-bulk-tls-log-'));
    try {
      const missing = join(logs, 'missing.pem');
      const logFile = join(logs, 'api.log');
      const env = { ...tlsEnv(), API_PORT: String(await freePort()), TLS_KEY_FILE: missing };
      const refused = startService('api', env, { logFile });
      expect(await refused.exited).toBe(1);
      expect(readFileSync(logFile, 'utf8')).toContain(`TLS_KEY_FILE=${missing} cannot be read: ENOENT`);
    } finally {
      rmSync(logs, { recursive: true, force: true });
    }
  });

  it('shuts down on SIGTERM with client connections open, exiting 0', async () => {
    // The trusting client keeps its connections alive: the server must close them itself.
    expect((await trusted.send(`${base}/healthz`)).status).toBe(200);
    const started = Date.now();
    await api.stop();
    expect(await api.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
