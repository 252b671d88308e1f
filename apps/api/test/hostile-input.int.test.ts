import { importKickoffBody, type ImportResult } from '@fhir-bulk/import';
import {
  type BulkStack,
  fhirClient,
  importLineOf,
  ndjsonLines,
  pollUntilDone,
  putInput,
  startBulkStack,
  startImport,
  testResource,
} from '@fhir-bulk/test-support';
import { TENANTS_COLLECTION } from '@fhir-bulk/store';
import { request, STATUS_CODES } from 'node:http';
import { type HostileCase, HOSTILE_CASES, TENANT } from './hostile-corpus';

/**
 * Issue 19: whatever a request holds (body, path, headers, size), the answer is a 2xx/3xx or a 4xx OperationOutcome
 * naming the problem, a refused request writes nothing, and the server stays healthy. The cases are in
 * hostile-corpus.ts; they run against the real stack with the suite client's real tokens.
 */
let stack: BulkStack;
let fhir: ReturnType<typeof fhirClient>;
const placeholders: Record<string, string> = {};
const base = `/tenant/${TENANT}`;

beforeAll(async () => {
  stack = await startBulkStack({ env: { IMPORT_BATCH_SIZE: '10' } });
  fhir = fhirClient(stack.baseUrl, stack.fetch);
  placeholders.bucket = stack.inputs.bucket;
  // A real export and a real import of the suite's client, so job paths reach the file-name and S3 checks.
  expect((await fhir.put(`${base}/Patient/seed`, testResource('Patient', 'seed'))).status).toBe(201);
  const kickoff = await stack.fetch(`${stack.baseUrl}${base}/$export?_type=Patient`, {
    headers: { Prefer: 'respond-async' },
  });
  const exportStatus = kickoff.headers.get('content-location')!;
  const manifest = (await (await pollUntilDone(exportStatus, stack.fetch)).json()) as {
    output: Array<{ url: string }>;
  };
  placeholders.exportJob = exportStatus.split('/').pop()!;
  placeholders.exportFile = manifest.output[0]!.url.split('/').pop()!;
  // A tenant imports only from its own prefix of the input bucket.
  const url = await putInput(stack.inputs, `${TENANT}/seed.ndjson`, '{"resourceType":"Patient"}\n');
  const { statusUrl, jobId } = await startImport(
    `${stack.baseUrl}${base}`,
    stack.fetch,
    importKickoffBody([{ type: 'Patient', url }]),
  );
  expect((await pollUntilDone(statusUrl, stack.fetch)).status).toBe(200);
  placeholders.importJob = jobId;
});
afterAll(() => stack.stop());

const fill = (text: string) => text.replace(/\{(\w+)\}/g, (whole, name: string) => placeholders[name] ?? whole);

interface Reply {
  status: number;
  contentType: string;
  text: string;
}

async function send(hostile: HostileCase): Promise<Reply> {
  const path = fill(hostile.path);
  const body = typeof hostile.body === 'string' ? fill(hostile.body) : hostile.body;
  const headers = new Headers(hostile.headers);
  if (hostile.authorization !== undefined || hostile.raw) {
    const authorization =
      hostile.authorization === undefined ? `Bearer ${await stack.auth.http.token()}` : hostile.authorization;
    if (authorization !== null) headers.set('Authorization', authorization);
  }
  if (hostile.raw) return sendRaw(hostile.method, path, Object.fromEntries(headers), body);
  const init = { method: hostile.method, headers, body: body === '' ? undefined : body };
  // The malformed-credential cases go out with plain fetch; everything else as the suite's client.
  const response =
    hostile.authorization === undefined
      ? await stack.fetch(`${stack.baseUrl}${path}`, init)
      : await fetch(`${stack.baseUrl}${path}`, init);
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

/** node:http with the path exactly as written: fetch would resolve `..` segments before sending. */
function sendRaw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<Reply> {
  const { hostname, port } = new URL(stack.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          contentType: res.headers['content-type'] ?? '',
          text: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What is wrong with a reply to `hostile` (empty when it is as it must be). */
function problemsOf(hostile: HostileCase, reply: Reply): string[] {
  const problems: string[] = [];
  const [low, high] =
    typeof hostile.expect === 'number' ? [hostile.expect, hostile.expect] : (hostile.expect ?? [400, 499]);
  if (reply.status < low || reply.status > high) problems.push(`status ${reply.status}, expected ${low}–${high}`);
  if (reply.status >= 500) problems.push('a 5xx');
  if (reply.status >= 400) {
    const outcome = parsed(reply.text) as {
      resourceType?: string;
      issue?: Array<{ diagnostics?: string; details?: { text?: string } }>;
    };
    if (!/json/.test(reply.contentType)) problems.push(`Content-Type ${reply.contentType}`);
    if (outcome?.resourceType !== 'OperationOutcome') problems.push('no OperationOutcome');
    const issues = outcome?.issue ?? [];
    // A bare reason phrase ("Bad Request") names no problem either.
    const named = (text = '') => text.trim() !== '' && text !== STATUS_CODES[reply.status];
    if (issues.length === 0 || issues.some((issue) => !named(issue.diagnostics ?? issue.details?.text))) {
      problems.push('an issue that names no problem');
    }
  }
  return problems.map((problem) => `${problem}: ${reply.text.slice(0, 300)}`);
}

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Everything a request could have written: documents in every collection of the suite's database (the suite's
 * clients and their token records aside) and objects in its bucket.
 */
const AUDIT_EVENTS = 'AuditEvent';

async function footprint(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { name } of await stack.store.db.listCollections({}, { nameOnly: true }).toArray()) {
    // The audit trail records the refusal itself (flushed in the background): that is the one write a refusal makes,
    // with the tenant's FHIR version (`tenants`) when that event is the first resource the tenant holds.
    if (name.startsWith('auth_') || name.endsWith(`.${AUDIT_EVENTS}`) || name === TENANTS_COLLECTION) continue;
    const count = await stack.store.db.collection(name).countDocuments({});
    if (count > 0) counts[name] = count;
  }
  counts['s3 objects'] = (await stack.objects.list('')).length;
  return counts;
}

describe('hostile requests', () => {
  it('has at least 100 cases, each with its own name', () => {
    expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(HOSTILE_CASES.map((c) => c.name)).size).toBe(HOSTILE_CASES.length);
  });

  it.each(HOSTILE_CASES.map((hostile) => [hostile.name, hostile] as const))(
    '%s: no 5xx, a 4xx is an OperationOutcome, and a refusal writes nothing',
    async (_name, hostile) => {
      const before = await footprint();
      const reply = await send(hostile);
      expect(problemsOf(hostile, reply)).toEqual([]);
      if (reply.status >= 400) expect(await footprint()).toEqual(before);
    },
  );
});

describe('Bundles with one hostile entry', () => {
  const basic = (id: string) => ({ resourceType: 'Basic', id, code: { text: id } });

  it('a batch answers 200: the 300-level-deep entry fails alone, the others are done', async () => {
    let deep: Record<string, unknown> = { value: 1 };
    for (let i = 0; i < 300; i++) deep = { a: deep };
    const reply = await fhir.post<{
      entry: Array<{ response: { status: string; location?: string; outcome?: unknown } }>;
    }>(`${base}/`, {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: basic('batch-first'), request: { method: 'PUT', url: 'Basic/batch-first' } },
        { resource: { ...basic('batch-deep'), deep }, request: { method: 'PUT', url: 'Basic/batch-deep' } },
        { resource: basic('batch-last'), request: { method: 'PUT', url: 'Basic/batch-last' } },
      ],
    });
    expect(reply.status).toBe(200);
    const [first, deepEntry, last] = reply.body.entry;
    expect(first!.response.status).toMatch(/^201/);
    expect(last!.response.status).toMatch(/^201/);
    expect(deepEntry!.response.status).toMatch(/^400/);
    expect(JSON.stringify(deepEntry!.response.outcome)).toContain('deeper than');
    expect(await stack.store.read(TENANT, 'Basic', 'batch-first')).not.toBeNull();
    expect(await stack.store.read(TENANT, 'Basic', 'batch-last')).not.toBeNull();
    expect(await stack.store.read(TENANT, 'Basic', 'batch-deep')).toBeNull();
  });

  it('a transaction of a PUT then a GET of a missing resource fails whole and keeps nothing', async () => {
    const reply = await fhir.post(`${base}/`, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: basic('tx-put'), request: { method: 'PUT', url: 'Basic/tx-put' } },
        { request: { method: 'GET', url: 'Basic/tx-missing' } },
      ],
    });
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expect(reply.body.resourceType).toBe('OperationOutcome');
    expect(await stack.store.read(TENANT, 'Basic', 'tx-put')).toBeNull();
    expect(await stack.store.history(TENANT, 'Basic').countDocuments({ tenant: TENANT, id: 'tx-put' })).toBe(0);
  });
});

describe('an NDJSON import with hostile lines', () => {
  it('reports each hostile line as an error with its number, and lands the good lines', async () => {
    const good = (id: string) => Buffer.from(JSON.stringify(testResource('Patient', id)));
    const patient = (fields: string) => Buffer.from(`{"resourceType":"Patient","id":"%ID%",${fields}}`);
    const lines: Array<[Buffer, 'good' | 'bad']> = [
      [good('line1'), 'good'],
      [patient(`"extension":${'{"a":'.repeat(300)}1${'}'.repeat(300)}`), 'bad'],
      [patient('"name":[{"family":"a\\u0000b"}]'), 'bad'],
      [good('line4'), 'good'],
      [patient('"identifier":[[{"value":"x"}]]'), 'bad'],
      [Buffer.concat([patient('"gender":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), 'bad'],
      [patient('"name":[{"family":"\\ud800"}]'), 'bad'],
      [patient('"__proto__":{"x":1}'), 'bad'],
      [Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`), 'bad'],
      [patient('"multipleBirthInteger":1e999'), 'bad'],
      [good('line11'), 'good'],
    ];
    const text = Buffer.concat(
      lines.flatMap(([line], index) => [
        Buffer.from(line.toString('latin1').replace('%ID%', `line${index + 1}`), 'latin1'),
        Buffer.from('\n'),
      ]),
    );
    await stack.inputs.put('hostile-lines/lines.ndjson', text, 'application/fhir+ndjson');
    const url = `s3://${stack.inputs.bucket}/hostile-lines/lines.ndjson`;
    const { statusUrl } = await startImport(
      `${stack.baseUrl}/tenant/hostile-lines`,
      stack.fetch,
      importKickoffBody([{ type: 'Patient', url }]),
    );
    const done = await pollUntilDone(statusUrl, stack.fetch);
    expect(done.status).toBe(200);
    const result = (await done.json()) as ImportResult;

    const badLines = lines.flatMap(([, kind], index) => (kind === 'bad' ? [index + 1] : []));
    const errors = ndjsonLines(await (await stack.fetch(result.error[0]!.url!)).text());
    expect(errors.map(importLineOf)).toEqual(badLines);
    expect(errors.every((e) => e.resourceType === 'OperationOutcome')).toBe(true);
    const stored = await stack.store.collection('hostile-lines', 'Patient').find({ tenant: 'hostile-lines' }).toArray();
    expect(stored.map((doc) => doc.id).sort()).toEqual(['line1', 'line11', 'line4']);
  });
});

describe('afterwards', () => {
  it('the server is healthy: /healthz, /metadata, and a create and read', async () => {
    expect((await fetch(`${stack.baseUrl}/healthz`)).status).toBe(200);
    expect((await fhir.get(`${base}/metadata`)).status).toBe(200);
    const created = await fhir.post<{ id: string }>(`${base}/Patient`, { resourceType: 'Patient', gender: 'other' });
    expect(created.status).toBe(201);
    const read = await fhir.get(`${base}/Patient/${created.body.id}`);
    expect(read).toMatchObject({ status: 200, body: { resourceType: 'Patient', gender: 'other' } });
  });
});
