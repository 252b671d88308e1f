import type { AuditEvent } from '@fhir-bulk/audit';
import { importKickoffBody } from '@fhir-bulk/import';
import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  eventsOfJob,
  freePort,
  pollUntilDone,
  putInput,
  startBulkStack,
  stackEnv,
  startImport,
  startService,
  storedAuditEvents,
  subtypeAndOutcome,
  type TestClient,
  waitFor,
} from '@fhir-bulk/test-support';
import { request } from 'node:http';

/**
 * The audit trail (issue 14): every token, kick-off, job end, cancel, download and REST request leaves one FHIR
 * AuditEvent (BALP) in the store, naming the client that did it. Each test acts as a client of its own, so the
 * events it asserts are exactly that client's.
 */
const TENANT = 'audited';
let stack: BulkStack;
const base = () => `${stack.baseUrl}/tenant/${TENANT}`;

beforeAll(async () => {
  stack = await startBulkStack();
  await bulkLoad(stack.store, TENANT, [
    { resourceType: 'Patient', id: 'p1', name: [{ family: 'Audited' }] },
    { resourceType: 'Patient', id: 'p2' },
    {
      resourceType: 'Group',
      id: 'g1',
      type: 'person',
      actual: true,
      member: [{ entity: { reference: 'Patient/p1' } }],
    },
  ]);
});
afterAll(async () => {
  await stack?.stop();
});

const byClient = (events: AuditEvent[], client: TestClient) =>
  events.filter((event) => event.agent[0]!.who.reference === `Device/${client.clientId}`);
const subtypes = (events: AuditEvent[]) => events.map(subtypeAndOutcome);
const entityOf = (event: AuditEvent, reference: string) =>
  event.entity.find((entity) => entity.what?.reference === reference);
const detailOf = (event: AuditEvent, type: string) =>
  event.entity.flatMap((entity) => entity.detail ?? []).find((detail) => detail.type === type)?.valueString;
const decodedQuery = (event: AuditEvent) =>
  Buffer.from(event.entity.find((entity) => entity.query)!.query!, 'base64').toString();

const kickoff = (client: TestClient, path: string, init: RequestInit = {}) =>
  client.http.fetch(`${base()}${path}`, {
    ...init,
    headers: { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json', ...init.headers },
  });

describe('tokens', () => {
  it('records a token issued to a client, in tenant default, with its scopes and never the token', async () => {
    const client = await stack.registerClient();
    const accessToken = await client.http.token();
    const issued = byClient(await storedAuditEvents(stack, 'default'), client);
    expect(subtypes(issued)).toEqual(['token-issued:0']);
    expect(issued[0]).toMatchObject({
      resourceType: 'AuditEvent',
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110114' },
      subtype: [{ system: 'urn:fhir-bulk:audit', code: 'token-issued' }],
      action: 'E',
      agent: [
        {
          who: {
            reference: `Device/${client.clientId}`,
            identifier: { system: 'urn:fhir-bulk:client', value: client.clientId },
            display: 'test client',
          },
          requestor: true,
          network: { address: expect.stringMatching(/127\.0\.0\.1/), type: '2' },
        },
      ],
      source: { site: stack.baseUrl, observer: { display: 'fhir-bulk api' } },
    });
    expect(detailOf(issued[0]!, 'scope')).toBe('system/*.*');
    expect(JSON.stringify(issued)).not.toContain(accessToken);
  });

  it('records a refused token with the reason and the client id it claimed, never the assertion', async () => {
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
    const assertion = `${encode({ alg: 'RS384', kid: 'k1' })}.${encode({ iss: 'intruder-7', sub: 'intruder-7' })}.c2ln`;
    const response = await fetch(`${stack.baseUrl}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: 'system/*.read',
      }),
    });
    expect(response.status).toBe(401);
    const refused = (await storedAuditEvents(stack, 'default')).filter(
      (event) => event.agent[0]!.who.identifier?.value === 'intruder-7',
    );
    expect(subtypes(refused)).toEqual(['token-refused:4']);
    expect(refused[0]!.agent[0]!.who.reference).toBeUndefined();
    expect(refused[0]!.outcomeDesc).toContain('Unknown or disabled client intruder-7');
    expect(JSON.stringify(refused)).not.toContain(assertion);
  });
});

describe('REST requests', () => {
  it('records one event per request with its interaction, action, outcome and resource', async () => {
    const client = await stack.registerClient();
    const send = (path: string, init: RequestInit = {}) =>
      client.http.fetch(`${base()}${path}`, {
        ...init,
        headers: { 'Content-Type': 'application/fhir+json', ...init.headers },
      });
    const created = await send('/Patient', { method: 'POST', body: JSON.stringify({ resourceType: 'Patient' }) });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    expect((await send(`/Patient/${id}`)).status).toBe(200);
    const update = { resourceType: 'Patient', id, active: true };
    expect((await send(`/Patient/${id}`, { method: 'PUT', body: JSON.stringify(update) })).status).toBe(200);
    expect((await send(`/Patient/${id}/_history`)).status).toBe(200);
    expect((await send(`/Patient/${id}/_history/1`)).status).toBe(200);
    expect((await send('/Patient?_id=p1,p2')).status).toBe(200);
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [] };
    expect((await send('', { method: 'POST', body: JSON.stringify(bundle) })).status).toBe(200);
    expect((await send(`/Patient/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await send('/Patient/nobody')).status).toBe(404);

    const events = byClient(await storedAuditEvents(stack, TENANT), client);
    expect(events.map((event) => [event.subtype[0]!.code, event.action, event.outcome])).toEqual([
      ['create', 'C', '0'],
      ['read', 'R', '0'],
      ['update', 'U', '0'],
      ['history-instance', 'R', '0'],
      ['vread', 'R', '0'],
      ['search-type', 'E', '0'],
      ['transaction', 'E', '0'],
      ['delete', 'D', '0'],
      ['read', 'R', '4'],
    ]);
    for (const event of events) {
      expect(event.type).toEqual({
        system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
        code: 'rest',
        display: 'RESTful Operation',
      });
      expect(event.subtype[0]!.system).toBe('http://hl7.org/fhir/restful-interaction');
    }
    expect(entityOf(events[0]!, `Patient/${id}/_history/1`)).toBeDefined();
    expect(entityOf(events[1]!, `Patient/${id}`)).toBeDefined();
    expect(entityOf(events[4]!, `Patient/${id}/_history/1`)).toBeDefined();
    // BALP Query: the search's query string, base64; one event for the request, not one per resource found.
    expect(decodedQuery(events[5]!)).toBe('_id=p1,p2');
    expect(events[8]!.outcomeDesc).toMatch(/Patient\/nobody|not found/i);
  });

  it('writes exactly one event for one search, and AuditEvent?agent= finds exactly that client’s events', async () => {
    const searcher = await stack.registerClient();
    expect((await searcher.http.fetch(`${base()}/Patient`)).status).toBe(200);
    expect((await searcher.http.fetch(`${base()}/Patient/p1`)).status).toBe(200);
    await stack.audit.flush();
    const auditor = await stack.registerClient();
    const found = await auditor.http.fetch(`${base()}/AuditEvent?agent=${searcher.clientId}&_count=100`);
    expect(found.status).toBe(200);
    const bundle = (await found.json()) as { entry?: Array<{ resource: AuditEvent }> };
    const events = (bundle.entry ?? []).map((entry) => entry.resource);
    expect(subtypes(events).sort()).toEqual(['read:0', 'search-type:0']);
    const stored = byClient(await storedAuditEvents(stack, TENANT), searcher);
    expect(events.map((event) => event.id).sort()).toEqual(stored.map((event) => event.id).sort());
  });
});

describe('bulk export', () => {
  it('records the kick-off with its parameters, the completion with its figures, and each download', async () => {
    const client = await stack.registerClient();
    const response = await kickoff(client, '/$export?_type=Patient');
    expect(response.status).toBe(202);
    const statusUrl = response.headers.get('content-location')!;
    const jobId = statusUrl.split('/').pop()!;
    const done = await pollUntilDone(statusUrl, client.http.fetch);
    const manifest = (await done.json()) as { output: Array<{ url: string }> };
    const fileUrl = manifest.output[0]!.url;
    // fetch asks for gzip by itself: the whole file as is is asked for by node:http.
    const whole = await wireBytes(fileUrl, client, { 'Accept-Encoding': 'identity' });
    const ranged = await client.http.fetch(fileUrl, { headers: { Range: 'bytes=0-9' } });
    expect(ranged.status).toBe(206);
    await ranged.arrayBuffer();
    const gzipped = await wireBytes(fileUrl, client, { 'Accept-Encoding': 'gzip' });

    const events = eventsOfJob(byClient(await storedAuditEvents(stack, TENANT), client), jobId);
    expect(subtypes(events)).toEqual([
      'export-kickoff:0',
      'export-complete:0',
      'file-download:0',
      'file-download:0',
      'file-download:0',
    ]);
    const [started, completed, full, range, gzip] = events as [
      AuditEvent,
      AuditEvent,
      AuditEvent,
      AuditEvent,
      AuditEvent,
    ];
    expect(started.type).toMatchObject({ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106' });
    expect(decodedQuery(started)).toBe('_type=Patient');
    expect(entityOf(started, `Task/${jobId}`)).toMatchObject({ what: { display: `export job ${jobId}` } });
    expect(completed.id).toBe(`${jobId}-export-complete`);
    expect(detailOf(completed, 'record-count')).toBe('2');
    expect(detailOf(completed, 'file-count')).toBe('1');
    expect(detailOf(completed, 'total-bytes')).toBe(String(whole));
    expect(full.entity.find((entity) => entity.name)!.name).toBe(fileUrl.split('/').pop());
    expect(detailOf(full, 'bytes-sent')).toBe(String(whole));
    expect(detailOf(range, 'bytes-sent')).toBe('10');
    expect(detailOf(range, 'range')).toBe(`bytes 0-9/${whole}`);
    expect(detailOf(gzip, 'content-encoding')).toBe('gzip');
    expect(detailOf(gzip, 'bytes-sent')).toBe(String(gzipped));
  });

  it('records Group and Patient kick-offs with their target, a refused kick-off, and a cancel', async () => {
    const client = await stack.registerClient();
    expect((await kickoff(client, '/Group/g1/$export?_type=Patient')).status).toBe(202);
    expect((await kickoff(client, '/Patient/p1/$export?_type=Patient')).status).toBe(202);
    expect((await kickoff(client, '/$export?_type=NotAType')).status).toBe(400);
    const cancelled = await kickoff(client, '/$export?_type=Patient');
    const statusUrl = cancelled.headers.get('content-location')!;
    expect((await client.http.fetch(statusUrl, { method: 'DELETE' })).status).toBe(202);
    await stack.client.workflow
      .getHandle(statusUrl.split('/').pop()!)
      .result()
      .catch(() => undefined);

    const events = byClient(await storedAuditEvents(stack, TENANT), client).filter(
      (event) => !event.subtype[0]!.code.endsWith('-complete'),
    );
    expect(subtypes(events)).toEqual([
      'export-kickoff:0',
      'export-kickoff:0',
      'export-kickoff:4',
      'export-kickoff:0',
      'export-cancel:0',
    ]);
    expect(entityOf(events[0]!, 'Group/g1')).toBeDefined();
    expect(entityOf(events[1]!, 'Patient/p1')).toBeDefined();
    expect(events[2]!.outcomeDesc).toContain('NotAType');
    expect(events[2]!.entity.some((entity) => entity.what?.reference?.startsWith('Task/'))).toBe(false);
    const jobId = statusUrl.split('/').pop()!;
    expect(subtypes(eventsOfJob(events, jobId))).toEqual(['export-kickoff:0', 'export-cancel:0']);
  });
});

describe('bulk import and view export', () => {
  it('records an import’s kick-off with its parameters and its completion with its figures', async () => {
    const client = await stack.registerClient();
    const url = await putInput(stack.inputs, 'audited/patients.ndjson', '{"resourceType":"Patient","id":"i1"}\n');
    const body = importKickoffBody([{ type: 'Patient', url }]);
    const { statusUrl, jobId } = await startImport(base(), client.http.fetch, body);
    expect((await pollUntilDone(statusUrl, client.http.fetch)).status).toBe(200);
    const refused = await kickoff(client, '/$import', { method: 'POST', body: '{"resourceType":"Parameters"}' });
    expect(refused.status).toBe(400);

    const events = byClient(await storedAuditEvents(stack, TENANT), client);
    expect(subtypes(events)).toEqual(['import-kickoff:0', 'import-complete:0', 'import-kickoff:4']);
    expect(events[0]!.type.code).toBe('110107');
    expect(JSON.parse(decodedQuery(events[0]!))).toEqual(body);
    expect(eventsOfJob(events, jobId)).toHaveLength(2);
    expect(detailOf(events[1]!, 'record-count')).toBe('1');
    expect(detailOf(events[1]!, 'file-count')).toBe('1');
  });

  it('records an import’s cancel, once, on its job', async () => {
    const client = await stack.registerClient();
    const url = await putInput(stack.inputs, 'audited/cancelled.ndjson', '{"resourceType":"Patient","id":"c1"}\n');
    const { statusUrl, jobId } = await startImport(
      base(),
      client.http.fetch,
      importKickoffBody([{ type: 'Patient', url }]),
    );
    expect((await client.http.fetch(statusUrl, { method: 'DELETE' })).status).toBe(202);
    await stack.client.workflow
      .getHandle(jobId)
      .result()
      .catch(() => undefined);

    // The DELETE may land after the import completed (it then deletes its outputs): the cancel is recorded either way.
    const events = eventsOfJob(byClient(await storedAuditEvents(stack, TENANT), client), jobId).filter(
      (event) => !event.subtype[0]!.code.endsWith('-complete'),
    );
    expect(subtypes(events)).toEqual(['import-kickoff:0', 'import-cancel:0']);
    expect(events[1]!.action).toBe('D');
    expect(events[1]!.type.code).toBe('110107');
  });

  it('records a refused $bulk-submit with its parameters, never a key it was sent', async () => {
    const client = await stack.registerClient();
    const response = await kickoff(client, '/$bulk-submit', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [{ name: 'fileEncryptionKey', valueString: 'k3y-s3cr3t' }],
      }),
    });
    expect(response.status).toBe(400);
    const events = byClient(await storedAuditEvents(stack, TENANT), client);
    expect(subtypes(events)).toEqual(['bulk-submit-kickoff:4']);
    expect(events[0]!.type.code).toBe('110107');
    expect(JSON.parse(decodedQuery(events[0]!))).toEqual({
      resourceType: 'Parameters',
      parameter: [{ name: 'fileEncryptionKey', valueString: '[redacted]' }],
    });
  });

  it('records a view export’s kick-off and completion', async () => {
    const client = await stack.registerClient();
    const view = {
      resourceType: 'ViewDefinition',
      name: 'patient_ids',
      resource: 'Patient',
      status: 'active',
      select: [{ column: [{ name: 'id', path: 'getResourceKey()' }] }],
    };
    const response = await kickoff(client, '/ViewDefinition/$viewdefinition-export', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: '_format', valueCode: 'ndjson' },
          { name: 'view', part: [{ name: 'viewResource', resource: view }] },
        ],
      }),
    });
    expect(response.status).toBe(202);
    const statusUrl = response.headers.get('content-location')!;
    expect((await pollUntilDone(statusUrl, client.http.fetch)).status).toBe(200);
    const jobId = statusUrl.split('/').pop()!;
    const events = eventsOfJob(byClient(await storedAuditEvents(stack, TENANT), client), jobId);
    expect(subtypes(events)).toEqual(['view-export-kickoff:0', 'view-export-complete:0']);
  });
});

describe('a clean shutdown of the API', () => {
  it('writes the events of its last requests before it exits', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const api = startService('api', { ...stackEnv(stack), API_PORT: String(port), PUBLIC_BASE_URL: baseUrl });
    const client = await stack.registerClient();
    try {
      const ready = () =>
        fetch(`${baseUrl}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
      await waitFor(ready, 60_000, 'the API');
      // Twenty reads and at once SIGTERM: the last ones are still queued (a flush is due a second after the first).
      for (let n = 0; n < 20; n++)
        expect((await client.http.fetch(`${baseUrl}/tenant/${TENANT}/Patient/p1`)).status).toBe(200);
      await api.stop();
      expect(await api.exited).toBe(0);
    } finally {
      await api.kill();
    }
    const events = byClient(await storedAuditEvents(stack, TENANT), client);
    expect(subtypes(events)).toEqual(Array.from({ length: 20 }, () => 'read:0'));
    expect(events[0]!.source.site).toBe(baseUrl);
  });
});

/** Bytes of the body as sent (node:http does not decode gzip, as fetch would). */
async function wireBytes(url: string, client: TestClient, headers: Record<string, string>): Promise<number> {
  const authorization = await client.http.headers();
  return new Promise((resolve, reject) => {
    request(url, { headers: { ...authorization, ...headers } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve(bytes));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}
