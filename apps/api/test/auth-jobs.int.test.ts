import { generateClientKeyPair, registerClient, signClientAssertion, tokenRequestBody } from '@fhir-bulk/auth';
import type { ExportManifest } from '@fhir-bulk/export';
import { importKickoffBody, type ImportResult } from '@fhir-bulk/import';
import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  eventsOfJob,
  importFile,
  ndjsonLines,
  pollUntilDone,
  putInput,
  startBulkStack,
  startImport,
  storedAuditEvents,
  subtypeAndOutcome,
  type TestClient,
} from '@fhir-bulk/test-support';
import { fetchWith } from './auth-requests';

/**
 * Jobs belong to the client that started them: status, cancel, output files and error files answer that client, or
 * a client holding `admin`, and 404 to anyone else (even with the same rights in the same tenant). Job records and
 * audit events name the client. Ends with a whole Bulk Data client session: discovery, registration, token,
 * kick-off, polling and downloads.
 */
const TENANT = 'jobs';
const PATIENTS = 7;
let stack: BulkStack;
let owner: TestClient;
let other: TestClient;
let admin: TestClient;
let exportJob: { statusUrl: string; jobId: string; manifest: ExportManifest };
let importJob: { statusUrl: string; jobId: string; result: ImportResult };

const base = () => `${stack.baseUrl}/tenant/${TENANT}`;
const kickoffExport = (client: TestClient, query = '_type=Patient') =>
  client.http.fetch(`${base()}/$export?${query}`, { headers: { Prefer: 'respond-async' } });

beforeAll(async () => {
  stack = await startBulkStack();
  owner = await stack.registerClient();
  other = await stack.registerClient();
  admin = await stack.registerClient({ permissions: ['bulk-export/read', 'bulk-import/write', 'admin'] });
  await bulkLoad(
    stack.store,
    TENANT,
    Array.from({ length: PATIENTS }, (_, i) => ({ resourceType: 'Patient', id: `p${i}`, gender: 'other' })),
  );

  const kickoff = await kickoffExport(owner);
  expect(kickoff.status).toBe(202);
  const statusUrl = kickoff.headers.get('content-location')!;
  const done = await pollUntilDone(statusUrl, owner.http.fetch);
  expect(done.status).toBe(200);
  exportJob = { statusUrl, jobId: statusUrl.split('/').pop()!, manifest: (await done.json()) as ExportManifest };

  const input = importFile('Patient', 10, { badEvery: 5, prefix: 'imported-' });
  const url = await putInput(stack.inputs, 'jobs/patients.ndjson', input.text);
  const started = await startImport(base(), owner.http.fetch, importKickoffBody([{ type: 'Patient', url }]));
  const imported = await pollUntilDone(started.statusUrl, owner.http.fetch);
  expect(imported.status).toBe(200);
  importJob = { ...started, result: (await imported.json()) as ImportResult };
});
afterAll(() => stack.stop());

/** Every URL of the two jobs a client could ask for: status (and its alias), output and error files. */
const jobUrls = () => [
  exportJob.statusUrl,
  exportJob.statusUrl.replace('/_export/', '/$bulk-export-status/'),
  exportJob.manifest.output[0]!.url,
  importJob.statusUrl,
  importJob.result.error[0]!.url!,
];
const statusesOf = async (client: TestClient, urls: string[]) =>
  Promise.all(urls.map(async (url) => (await client.http.fetch(url)).status));

describe('jobs of another client', () => {
  it('had a file to download and an error file to read', () => {
    expect(exportJob.manifest.output).toEqual([expect.objectContaining({ type: 'Patient', count: PATIENTS })]);
    expect(importJob.result.error).toHaveLength(1);
  });

  it('answer 404 to status polls and downloads by a client with the same rights', async () => {
    expect(await statusesOf(other, jobUrls())).toEqual([404, 404, 404, 404, 404]);
    const response = await other.http.fetch(exportJob.statusUrl);
    expect(((await response.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });

  it('answer 404 to a cancel by that client, and keep running for their own', async () => {
    for (const statusUrl of [exportJob.statusUrl, importJob.statusUrl]) {
      expect((await other.http.fetch(statusUrl, { method: 'DELETE' })).status).toBe(404);
      expect((await owner.http.fetch(statusUrl)).status).toBe(200);
    }
  });

  it('answer the client that started them', async () => {
    expect(await statusesOf(owner, jobUrls())).toEqual([200, 200, 200, 200, 200]);
  });

  it('answer a client holding admin', async () => {
    expect(await statusesOf(admin, jobUrls())).toEqual([200, 200, 200, 200, 200]);
    const manifest = (await (await admin.http.fetch(exportJob.statusUrl)).json()) as ExportManifest;
    expect(manifest).toEqual(exportJob.manifest);
  });

  it('can be cancelled by an admin, and are then gone for their owner too', async () => {
    const kickoff = await kickoffExport(owner);
    const statusUrl = kickoff.headers.get('content-location')!;
    expect((await other.http.fetch(statusUrl, { method: 'DELETE' })).status).toBe(404);
    expect((await admin.http.fetch(statusUrl, { method: 'DELETE' })).status).toBe(202);
    expect((await owner.http.fetch(statusUrl)).status).toBe(404);
  });

  it('can be cancelled by their owner', async () => {
    const statusUrl = (await kickoffExport(owner)).headers.get('content-location')!;
    expect((await owner.http.fetch(statusUrl, { method: 'DELETE' })).status).toBe(202);
    expect((await owner.http.fetch(statusUrl)).status).toBe(404);
  });
});

describe('who started a job', () => {
  it('is the client id in the export and import job records', async () => {
    const db = stack.store.db;
    expect(await db.collection('export_jobs').findOne({ _id: exportJob.jobId as never })).toMatchObject({
      requestedBy: owner.clientId,
    });
    expect(await db.collection('import_jobs').findOne({ _id: importJob.jobId as never })).toMatchObject({
      requestedBy: owner.clientId,
    });
  });

  it('is the agent of their AuditEvents; other clients’ attempts on the job are recorded as refused', async () => {
    const events = await storedAuditEvents(stack, TENANT);
    for (const jobId of [exportJob.jobId, importJob.jobId]) {
      const found = eventsOfJob(events, jobId);
      const started = found.filter((event) => /-(kickoff|complete)$/.test(event.subtype[0]!.code));
      expect(started).toHaveLength(2);
      expect(started.map((event) => event.agent[0]!.who.identifier?.value)).toEqual([owner.clientId, owner.clientId]);
      // The other client's tries (404 to it) name it, as refused; the admin's succeed.
      const tries = found.filter((event) => event.agent[0]!.who.identifier?.value === other.clientId);
      expect(tries.length).toBeGreaterThan(0);
      expect(tries.every((event) => event.outcome === '4')).toBe(true);
    }
    expect(
      eventsOfJob(events, exportJob.jobId)
        .map(subtypeAndOutcome)
        .filter((code) => code.startsWith('export-complete')),
    ).toEqual(['export-complete:0']);
  });
});

describe('output files', () => {
  it('require an access token: the manifest says so and downloads need the owner token', async () => {
    expect(exportJob.manifest.requiresAccessToken).toBe(true);
    const url = exportJob.manifest.output[0]!.url;

    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(401);
    expect((await other.http.fetch(url)).status).toBe(404);

    const download = await owner.http.fetch(url);
    expect(download.status).toBe(200);
    const resources = ndjsonLines(await download.text());
    expect(resources.map((r) => r.id).sort()).toEqual(Array.from({ length: PATIENTS }, (_, i) => `p${i}`).sort());
  });

  it('of imports (error files) need the owner token too', async () => {
    const url = importJob.result.error[0]!.url!;
    expect((await fetch(url)).status).toBe(401);
    const download = await owner.http.fetch(url);
    expect(download.status).toBe(200);
    expect(ndjsonLines(await download.text())).toHaveLength(2);
  });
});

describe('a Bulk Data client session, start to end', () => {
  it('discovers the token endpoint, registers, signs in, kicks off, polls as told and downloads every file', async () => {
    // Discovery: where to get a token, and which algorithms the server takes.
    const discovery = (await (await fetch(`${base()}/.well-known/smart-configuration`)).json()) as {
      token_endpoint: string;
      registration_endpoint: string;
      token_endpoint_auth_signing_alg_values_supported: string[];
    };
    expect(discovery.token_endpoint_auth_signing_alg_values_supported).toContain('RS384');

    // Registration by the administrator, with the client's public key only.
    const keys = await generateClientKeyPair('RS384');
    const { client_id } = await registerClient(stack.baseUrl, stack.adminToken, {
      client_name: 'bulk-data-client',
      jwks: { keys: [keys.publicJwk] },
      scope: 'system/*.read',
      permissions: ['bulk-export/read'],
      tenants: [TENANT],
    });
    expect(discovery.registration_endpoint).toBe(`${stack.baseUrl}/auth/register`);

    // The token: a signed assertion for the token endpoint.
    const assertion = await signClientAssertion({
      clientId: client_id,
      tokenUrl: discovery.token_endpoint,
      privateJwk: keys.privateJwk,
    });
    const tokenResponse = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { Accept: 'application/json' },
      body: tokenRequestBody(assertion, 'system/Patient.read system/Observation.read'),
    });
    expect(tokenResponse.status).toBe(200);
    const token = (await tokenResponse.json()) as { access_token: string; scope: string };
    expect(token.scope).toBe('system/Patient.read system/Observation.read');
    const authorized = fetchWith(token.access_token);

    // Kick-off, then polls at the pace Retry-After asks for.
    const kickoff = await authorized(`${base()}/Patient/$export?_type=Patient`, {
      headers: { Accept: 'application/fhir+json', Prefer: 'respond-async' },
    });
    expect(kickoff.status).toBe(202);
    const statusUrl = kickoff.headers.get('content-location')!;
    let status = await authorized(statusUrl);
    const deadline = Date.now() + 60_000;
    while (status.status === 202 && Date.now() < deadline) {
      const retryAfter = Number(status.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
      status = await authorized(statusUrl);
    }
    expect(status.status).toBe(200);
    const manifest = (await status.json()) as ExportManifest;
    expect(manifest.requiresAccessToken).toBe(true);
    expect(manifest.output.length).toBeGreaterThan(0);

    // Every file, with the token, as the manifest asks; each holds as many resources as the manifest says.
    let total = 0;
    for (const file of manifest.output) {
      const download = await authorized(file.url, { headers: { Accept: 'application/fhir+ndjson' } });
      expect(download.status).toBe(200);
      const lines = ndjsonLines(await download.text());
      expect(lines).toHaveLength(file.count!);
      expect(lines.every((resource) => resource.resourceType === file.type)).toBe(true);
      total += lines.length;
    }
    expect(total).toBe(await stack.store.countCurrent(TENANT, 'Patient'));

    // Done: the client deletes the job, as the IG asks.
    expect((await authorized(statusUrl, { method: 'DELETE' })).status).toBe(202);
    expect((await authorized(statusUrl)).status).toBe(404);
  });
});
