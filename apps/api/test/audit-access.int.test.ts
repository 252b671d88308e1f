import type { OperationOutcome } from '@fhir-bulk/fhir';
import { importKickoffBody } from '@fhir-bulk/import';
import {
  AUDIT_SUBTYPE_SYSTEM,
  bulkSubtype,
  EVENT_TYPES,
  jobEntity,
  resourceEntity,
  restSubtype,
} from '@fhir-bulk/audit';
import {
  type BulkStack,
  exportAndWait,
  fhirClient,
  kickoffImport,
  ndjsonLines,
  pollUntilDone,
  putInput,
  startBulkStack,
  type StoredAuditFacts,
  storeAuditEvents,
  testAuditEvent,
  testResource,
} from '@fhir-bulk/test-support';
import { randomUUID } from 'node:crypto';
import { expectAccessDenied } from './auth-requests';

/**
 * The audit trail is read through the API by clients holding `audit/read` (search by date, agent, entity, type,
 * subtype, outcome and action, paged; read; bulk export), by no one else, and written by no one: every write path
 * answers a 4xx OperationOutcome and changes nothing. The events are stored as the server stores them (bulkLoad).
 */
let stack: BulkStack;
/** The suite's own client: system/*.*, bulk export and import, audit/read. */
let auditor: ReturnType<typeof fhirClient>;
/** system/*.read and bulk-export/read, but not audit/read. */
let reader: ReturnType<typeof fhirClient>;
let readerFetch: BulkStack['fetch'];

const CLIENT_A = randomUUID();
const CLIENT_B = randomUUID();
const JOB = randomUUID();
/** Recorded in the first half of 2026: the trail's own events of this suite's requests are recorded now. */
const EVENTS: StoredAuditFacts[] = [
  {
    id: 'ae1',
    clientId: CLIENT_A,
    type: 'rest',
    subtype: restSubtype('read'),
    action: 'R',
    entities: [resourceEntity('Patient', 'p1')],
    recorded: '2026-01-01T10:00:00Z',
  },
  {
    id: 'ae2',
    clientId: CLIENT_A,
    type: 'export',
    subtype: bulkSubtype('export-kickoff'),
    entities: [jobEntity('export', JOB)],
    recorded: '2026-02-01T10:00:00Z',
  },
  {
    id: 'ae3',
    clientId: CLIENT_B,
    type: 'export',
    subtype: bulkSubtype('export-complete'),
    entities: [jobEntity('export', JOB, { 'record-count': 3 })],
    recorded: '2026-03-01T10:00:00Z',
  },
  {
    id: 'ae4',
    clientId: CLIENT_B,
    type: 'authentication',
    subtype: bulkSubtype('token-issued'),
    outcome: '4',
    recorded: '2026-04-01T10:00:00Z',
  },
  {
    id: 'ae5',
    clientId: CLIENT_A,
    type: 'export',
    subtype: bulkSubtype('file-download'),
    action: 'R',
    entities: [jobEntity('export', JOB)],
    recorded: '2026-05-01T10:00:00Z',
  },
  {
    id: 'ae6',
    clientId: CLIENT_B,
    type: 'rest',
    subtype: restSubtype('create'),
    action: 'C',
    outcome: '8',
    entities: [resourceEntity('Observation', 'o1')],
    recorded: '2026-06-01T10:00:00Z',
  },
];
/** Selects the events above among those the trail records of this suite's own requests. */
const STORED = 'date=lt2026-07-01';
const stored = (id: string) =>
  testAuditEvent(
    'default',
    EVENTS.find((e) => e.id === id)!,
  );

beforeAll(async () => {
  stack = await startBulkStack();
  await storeAuditEvents(stack.store, 'default', EVENTS);
  auditor = fhirClient(stack.baseUrl, stack.fetch);
  expect((await auditor.put('/Patient/p1', testResource('Patient', 'p1'))).status).toBe(201);
  const client = await stack.registerClient(
    { scope: 'system/*.read', permissions: ['bulk-export/read'] },
    'system/*.read',
  );
  readerFetch = client.http.fetch;
  reader = fhirClient(stack.baseUrl, readerFetch);
});
afterAll(() => stack.stop());

interface Bundle {
  total?: number;
  link?: Array<{ relation: string; url: string }>;
  entry?: Array<{ resource?: { id?: string }; response?: { status: string; outcome?: OperationOutcome } }>;
}

async function idsFound(query: string): Promise<string[]> {
  const found = await auditor.get<Bundle>(`/AuditEvent?${query}`);
  expect([query, found.status]).toEqual([query, 200]);
  return (found.body.entry ?? []).map((e) => e.resource!.id!).sort();
}

/** What an AuditEvent write must leave as it was: every event, each at version 1 with its stored content. */
async function expectTrailUnchanged(): Promise<void> {
  expect(await idsFound(`${STORED}&_count=100`)).toEqual(EVENTS.map((e) => e.id));
  const read = await auditor.get<Record<string, unknown>>('/AuditEvent/ae1');
  expect(read.body).toEqual({ ...stored('ae1'), meta: expect.objectContaining({ versionId: '1' }) });
}

describe('search by a client with audit/read', () => {
  it.each([
    ['agent (bare client id)', `agent=${CLIENT_A}`, ['ae1', 'ae2', 'ae5']],
    ['agent (Device reference)', `agent=Device/${CLIENT_B}`, ['ae3', 'ae4', 'ae6']],
    ['entity (bare job id)', `entity=${JOB}`, ['ae2', 'ae3', 'ae5']],
    ['entity (Task reference)', `entity=Task/${JOB}`, ['ae2', 'ae3', 'ae5']],
    ['entity (a REST resource)', `entity=Patient/p1&${STORED}`, ['ae1']],
    ['type', `type=${EVENT_TYPES.export.system}|110106&${STORED}`, ['ae2', 'ae3', 'ae5']],
    ['type (code alone)', `type=rest&${STORED}`, ['ae1', 'ae6']],
    ['subtype', `subtype=${AUDIT_SUBTYPE_SYSTEM}|export-kickoff&${STORED}`, ['ae2']],
    ['outcome', `outcome=4,8&${STORED}`, ['ae4', 'ae6']],
    ['action', `action=C&${STORED}`, ['ae6']],
    ['date (ge)', `date=ge2026-04-01&${STORED}`, ['ae4', 'ae5', 'ae6']],
    ['date (range)', 'date=ge2026-02-01&date=lt2026-03-02', ['ae2', 'ae3']],
    ['agent and date together', `agent=${CLIENT_A}&date=ge2026-02-01`, ['ae2', 'ae5']],
  ])('finds events by %s', async (_what, query, expected) => {
    expect(await idsFound(query)).toEqual(expected);
  });

  it('an agent search finds exactly that client’s events, and none of a client that has none', async () => {
    expect(await idsFound(`agent=${randomUUID()}`)).toEqual([]);
  });

  it('pages with _count: every event once, the total on each page', async () => {
    const seen: string[] = [];
    let url: string | undefined = `/AuditEvent?${STORED}&_count=2`;
    let pages = 0;
    while (url) {
      const page: { status: number; body: Bundle } = await auditor.get<Bundle>(url);
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(EVENTS.length);
      expect(page.body.entry!.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.entry!.map((e) => e.resource!.id!));
      pages++;
      const next = page.body.link?.find((l) => l.relation === 'next')?.url;
      url = next?.slice(stack.baseUrl.length);
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(EVENTS.map((e) => e.id));
  });

  it('reads an event, its version and its history', async () => {
    expect((await auditor.get('/AuditEvent/ae2')).status).toBe(200);
    expect((await auditor.get('/AuditEvent/ae2/_history/1')).status).toBe(200);
    expect((await auditor.get<Bundle>('/AuditEvent/ae2/_history')).body.total).toBe(1);
  });
});

describe('a client without audit/read (even with system/*.read)', () => {
  it.each([
    ['search', '/AuditEvent'],
    ['a search by agent', `/AuditEvent?agent=${CLIENT_A}`],
    ['read', '/AuditEvent/ae1'],
    ['vread', '/AuditEvent/ae1/_history/1'],
    ['history', '/AuditEvent/ae1/_history'],
  ])('gets 403 on %s', async (_what, path) => {
    await expectAccessDenied(await readerFetch(`${stack.baseUrl}${path}`));
  });

  it('gets a 403 entry for an AuditEvent read in a batch', async () => {
    const batch = await reader.post<Bundle>('/', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: 'AuditEvent/ae1' } }],
    });
    expect(batch.body.entry![0]!.response).toMatchObject({
      status: '403 Forbidden',
      outcome: { issue: [{ code: 'forbidden' }] },
    });
  });

  it.each([
    ['a system export', '/$export?_type=AuditEvent'],
    ['a system export naming it among others', '/$export?_type=Patient,AuditEvent'],
    ['a Patient-level export', '/Patient/$export?_type=AuditEvent'],
  ])('gets 403 on %s of AuditEvent', async (_what, path) => {
    const outcome = await expectAccessDenied(
      await readerFetch(`${stack.baseUrl}${path}`, { headers: { Prefer: 'respond-async' } }),
    );
    expect(outcome.issue[0]!.diagnostics).toContain('audit/read');
  });

  it('exports without AuditEvent when it names no type, and is not told of it', async () => {
    const done = await exportAndWait({ baseUrl: stack.baseUrl, fetch: readerFetch }, '/$export');
    expect(done.manifest.output.map((o) => o.type)).not.toContain('AuditEvent');
    expect(JSON.stringify(done.error)).not.toContain('AuditEvent');
  });
});

describe('bulk export by a client with audit/read', () => {
  it('exports the AuditEvents, byte for byte as stored (a _typeFilter selects the suite’s stored ones)', async () => {
    const filter = encodeURIComponent(`AuditEvent?${STORED}`);
    const done = await exportAndWait(stack, `/$export?_type=AuditEvent&_typeFilter=${filter}`);
    expect(done.manifest.output.map((o) => [o.type, o.count])).toEqual([['AuditEvent', EVENTS.length]]);
    const [file] = Object.keys(done.files);
    const text = await (await stack.fetch(done.manifest.output[0]!.url)).text();
    const lines = text.trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { id: string }).id).sort()).toEqual(EVENTS.map((e) => e.id));
    for (const line of lines) {
      const { id } = JSON.parse(line) as { id: string };
      // Each line is the stored resource's JSON as a read answers it, nothing added or lost.
      const read = await stack.fetch(`${stack.baseUrl}/AuditEvent/${id}`);
      expect([file, line]).toEqual([file, JSON.stringify(await read.json())]);
      expect(JSON.parse(line)).toEqual({ ...stored(id), meta: expect.objectContaining({ versionId: '1' }) });
    }
  });

  it('exports none without _type: the audit trail is not part of the tenant’s data', async () => {
    const done = await exportAndWait(stack, '/$export');
    expect(done.manifest.output.length).toBeGreaterThan(0);
    expect(done.manifest.output.map((o) => o.type)).not.toContain('AuditEvent');
    expect(JSON.stringify(done.error)).not.toContain('AuditEvent');
  });
});

describe('no one writes an AuditEvent through the API (not even a client with system/*.* and audit/read)', () => {
  const changed = { ...stored('ae1'), outcome: '8' };

  it.each([
    ['create', () => auditor.post('/AuditEvent', changed)],
    ['update', () => auditor.put('/AuditEvent/ae1', changed)],
    ['update-as-create', () => auditor.put('/AuditEvent/ae-new', { ...changed, id: 'ae-new' })],
    ['delete', () => auditor.delete('/AuditEvent/ae1')],
  ])('answers 405 with Allow: GET to a REST %s', async (_what, write) => {
    const response = await write();
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(response.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-supported' }] });
    await expectTrailUnchanged();
  });

  it('refuses a whole transaction with an AuditEvent write in it (405), and writes none of its entries', async () => {
    const response = await auditor.post('/', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: testResource('Patient', 'tx-p'), request: { method: 'PUT', url: 'Patient/tx-p' } },
        { resource: changed, request: { method: 'PUT', url: 'AuditEvent/ae1' } },
      ],
    });
    expect(response.status).toBe(405);
    expect(response.body).toMatchObject({ issue: [{ expression: ['Bundle.entry[1].request.method'] }] });
    expect((await auditor.get('/Patient/tx-p')).status).toBe(404);
    await expectTrailUnchanged();
  });

  it('answers 405 to each AuditEvent write of a batch, and runs the other entries', async () => {
    const batch = await auditor.post<Bundle>('/', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: changed, request: { method: 'POST', url: 'AuditEvent' } },
        { request: { method: 'DELETE', url: 'AuditEvent/ae2' } },
        { resource: testResource('Patient', 'batch-p'), request: { method: 'PUT', url: 'Patient/batch-p' } },
      ],
    });
    expect(batch.body.entry!.map((e) => e.response!.status)).toEqual([
      '405 Method Not Allowed',
      '405 Method Not Allowed',
      '201 Created',
    ]);
    await expectTrailUnchanged();
  });

  it('refuses an $import with an AuditEvent input (400), before any job starts', async () => {
    const url = await putInput(
      stack.inputs,
      'default/audit/ae.ndjson',
      `${JSON.stringify({ ...changed, id: 'ae-imp' })}\n`,
    );
    const response = await kickoffImport(stack.baseUrl, stack.fetch, importKickoffBody([{ type: 'AuditEvent', url }]));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-location')).toBeNull();
    const outcome = (await response.json()) as OperationOutcome;
    expect(outcome.issue[0]).toMatchObject({ code: 'not-supported', expression: ['input[0].type'] });
    await expectTrailUnchanged();
  });

  it('imports no AuditEvent line of a file declared as another type: the line is an error', async () => {
    const lines = [testResource('Patient', 'imp-p'), { ...changed, id: 'ae-in-patients' }];
    const url = await putInput(
      stack.inputs,
      'default/audit/patients.ndjson',
      lines.map((l) => JSON.stringify(l)).join('\n'),
    );
    const response = await kickoffImport(stack.baseUrl, stack.fetch, importKickoffBody([{ type: 'Patient', url }]));
    expect({ status: response.status, body: await response.text() }).toEqual({ status: 202, body: '' });
    const done = await pollUntilDone(response.headers.get('content-location')!, stack.fetch);
    const result = (await done.json()) as { output: unknown[]; error: Array<{ url: string }> };
    expect(result.output).toHaveLength(1);
    const errors = ndjsonLines(await (await stack.fetch(result.error[0]!.url)).text());
    expect(JSON.stringify(errors)).toContain("Resource type 'AuditEvent' does not match the expected 'Patient'");
    expect((await auditor.get('/AuditEvent/ae-in-patients')).status).toBe(404);
    await expectTrailUnchanged();
  });

  it('refuses a $bulk-submit whose manifest names an AuditEvent file (400)', async () => {
    const file = await putInput(stack.inputs, 'default/sub/AuditEvent.ndjson', `${JSON.stringify(changed)}\n`);
    const manifest = { transactionTime: new Date().toISOString(), output: [{ type: 'AuditEvent', url: file }] };
    const manifestUrl = await putInput(stack.inputs, 'default/sub/manifest.json', JSON.stringify(manifest));
    const response = await stack.fetch(`${stack.baseUrl}/$bulk-submit`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Prefer: 'respond-async' },
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'submitter', valueIdentifier: { system: 'https://provider.example/submitters', value: 'lab-1' } },
          { name: 'submissionId', valueString: 'audit-1' },
          { name: 'manifestUrl', valueUrl: manifestUrl },
          { name: 'fhirBaseUrl', valueUrl: 'https://provider.example/fhir' },
        ],
      }),
    });
    expect(response.status).toBe(400);
    const outcome = (await response.json()) as OperationOutcome;
    expect(outcome.issue[0]).toMatchObject({ code: 'not-supported', expression: ['manifestUrl'] });
    await expectTrailUnchanged();
  });
});

describe('the CapabilityStatement', () => {
  it('declares AuditEvent read-only, with its audit search parameters', async () => {
    const statement = await auditor.get<{
      rest: Array<{
        resource: Array<{ type: string; interaction: Array<{ code: string }>; searchParam?: Array<{ name: string }> }>;
      }>;
    }>('/metadata');
    const entry = statement.body.rest[0]!.resource.find((r) => r.type === 'AuditEvent')!;
    expect(entry.interaction.map((i) => i.code).sort()).toEqual(['history-instance', 'read', 'search-type', 'vread']);
    expect(entry.searchParam!.map((p) => p.name)).toEqual(
      expect.arrayContaining(['date', 'agent', 'entity', 'type', 'subtype', 'outcome', 'action', '_count']),
    );
  });
});
