import { importKickoffBody, type ImportResult } from '@fhir-bulk/import';
import {
  type BulkStack,
  importFile,
  importLineOf,
  kickoffImport,
  ndjsonLines,
  pollUntilDone,
  putInput,
  startBulkStack,
  startImport,
  testResource,
} from '@fhir-bulk/test-support';
import { bulkLoad } from '@fhir-bulk/store';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * $import end to end on the real stack: NDJSON in S3 (and over allow-listed HTTP) → worker → MongoDB, checked in
 * MongoDB (each good resource once, one version), in the error files (each bad line once, with its number) and in
 * the result the status URL answers.
 */
let stack: BulkStack;
let http: Server;
let httpBase: string;
const httpFiles = new Map<string, string>();

beforeAll(async () => {
  http = await startFileServer(httpFiles);
  httpBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  stack = await startBulkStack({
    env: {
      IMPORT_BATCH_SIZE: '50',
      IMPORT_MAX_LINE_BYTES: '2048',
      IMPORT_HTTP_ALLOWED_PREFIXES: `${httpBase}/allowed/`,
    },
  });
});

afterAll(async () => {
  await stack.stop();
  http.close();
});

const tenantBase = (tenant: string) => `${stack.baseUrl}/tenant/${tenant}`;

async function importAndWait(tenant: string, body: unknown): Promise<{ result: ImportResult; jobId: string }> {
  const { statusUrl, jobId } = await startImport(tenantBase(tenant), stack.fetch, body);
  const done = await pollUntilDone(statusUrl, stack.fetch);
  if (done.status !== 200) throw new Error(`import ended with ${done.status}: ${await done.text()}`);
  return { result: (await done.json()) as ImportResult, jobId };
}

async function storedVersions(tenant: string, type: string) {
  const docs = await stack.store.collection(tenant, type).find({ tenant }).toArray();
  const history = await stack.store.history(tenant, type).countDocuments({ tenant });
  return { ids: docs.map((d) => d.id).sort(), versions: new Set(docs.map((d) => d.versionId)), history };
}

const sorted = (ids: string[]) => [...ids].sort();

describe('an import of files with 10% bad lines', () => {
  it('lands every good line once, reports every bad line once, and lists both per input file', async () => {
    const patients = importFile('Patient', 500, { prefix: 'p' });
    const observations = importFile('Observation', 230, { prefix: 'o' });
    const patientUrl = await putInput(stack.inputs, 'bad/patients.ndjson', patients.text);
    const observationUrl = await putInput(stack.inputs, 'bad/observations.ndjson', observations.text);
    const { result, jobId } = await importAndWait(
      'bad',
      importKickoffBody([
        { type: 'Patient', url: patientUrl },
        { type: 'Observation', url: observationUrl },
      ]),
    );

    expect(result.output).toEqual([
      { type: 'Patient', inputUrl: patientUrl, count: patients.goodIds.length },
      { type: 'Observation', inputUrl: observationUrl, count: observations.goodIds.length },
    ]);
    expect(result.error.map(({ inputUrl, count }) => ({ inputUrl, count }))).toEqual([
      { inputUrl: patientUrl, count: patients.badLines.length },
      { inputUrl: observationUrl, count: observations.badLines.length },
    ]);
    for (const [type, file] of [
      ['Patient', patients],
      ['Observation', observations],
    ] as const) {
      expect(await storedVersions('bad', type)).toEqual({
        ids: sorted(file.goodIds),
        versions: new Set([1]),
        history: 0,
      });
    }

    // The error file, downloaded as a client would: one OperationOutcome per bad line, in line order.
    const errors = await stack.fetch(result.error[0]!.url!);
    expect(errors.status).toBe(200);
    expect(errors.headers.get('content-type')).toContain('application/fhir+ndjson');
    const outcomes = ndjsonLines(await errors.text());
    expect(outcomes.map(importLineOf)).toEqual(patients.badLines);
    expect(outcomes.every((o) => o.resourceType === 'OperationOutcome')).toBe(true);
    expect(JSON.stringify(outcomes[0])).toContain(`Line ${patients.badLines[0]} of ${patientUrl}`);
    // The four kinds of bad line each say what is wrong.
    const diagnostics = outcomes.slice(0, 4).map((o) => JSON.stringify(o));
    expect(diagnostics.some((d) => /json/i.test(d))).toBe(true);
    expect(diagnostics.some((d) => d.includes("does not match the expected 'Patient'"))).toBe(true);
    expect(diagnostics.some((d) => /\bid\b/.test(d))).toBe(true);
    expect(diagnostics.some((d) => d.includes('active'))).toBe(true);

    // Job record in MongoDB.
    const record = await stack.store.db.collection('import_jobs').findOne({ _id: jobId as never });
    expect(record).toMatchObject({
      status: 'completed',
      totalRecords: patients.goodIds.length + observations.goodIds.length,
      fileCount: 2,
    });
    // Parts are merged away; only the two error files stay.
    expect(await stack.objects.list(`bad/import/${jobId}/`)).toEqual([
      `bad/import/${jobId}/errors-0.ndjson`,
      `bad/import/${jobId}/errors-1.ndjson`,
    ]);
  });

  it('reports a line longer than IMPORT_MAX_LINE_BYTES without stopping the file', async () => {
    const long = JSON.stringify({
      ...testResource('Patient', 'long'),
      text: { status: 'generated', div: 'x'.repeat(3000) },
    });
    const text = [testResource('Patient', 'a'), long, testResource('Patient', 'b')]
      .map((r) => (typeof r === 'string' ? r : JSON.stringify(r)))
      .join('\n');
    const url = await putInput(stack.inputs, 'long/patients.ndjson', text); // no final newline
    const { result } = await importAndWait('long', importKickoffBody([{ type: 'Patient', url }]));
    expect(result.output[0]!.count).toBe(2);
    const outcomes = ndjsonLines(await (await stack.fetch(result.error[0]!.url!)).text());
    expect(outcomes.map(importLineOf)).toEqual([2]);
    expect((await storedVersions('long', 'Patient')).ids).toEqual(['a', 'b']);
  });
});

describe('modes', () => {
  it('IncrementalLoad adds a version only where content changed', async () => {
    const first = importFile('Patient', 40, { badEvery: 0 });
    const url = await putInput(stack.inputs, 'incr/v1.ndjson', first.text);
    await importAndWait('incr', importKickoffBody([{ type: 'Patient', url }]));
    // The same file again: nothing changes.
    const again = await importAndWait('incr', importKickoffBody([{ type: 'Patient', url }]));
    expect(again.result.output[0]!.count).toBe(40);
    expect(await storedVersions('incr', 'Patient')).toMatchObject({ versions: new Set([1]), history: 0 });
    // Half of them changed: those get version 2, the rest stay at 1.
    const changed = first.text
      .trim()
      .split('\n')
      .map((line, i) => (i < 20 ? JSON.stringify(testResource('Patient', `r${i + 1}`, 2)) : line))
      .join('\n');
    const url2 = await putInput(stack.inputs, 'incr/v2.ndjson', changed);
    await importAndWait('incr', importKickoffBody([{ type: 'Patient', url: url2 }]));
    expect(await storedVersions('incr', 'Patient')).toMatchObject({ versions: new Set([1, 2]), history: 20 });
  });

  it('InitialLoad creates only: an existing id with other content is an error line, the same content is fine', async () => {
    await bulkLoad(stack.store, 'init', [testResource('Patient', 'r1', 7), testResource('Patient', 'r2')] as never);
    const url = await putInput(stack.inputs, 'init/p.ndjson', importFile('Patient', 5, { badEvery: 0 }).text);
    const { result } = await importAndWait('init', importKickoffBody([{ type: 'Patient', url }], 'InitialLoad'));
    expect(result.output[0]!.count).toBe(4);
    const outcomes = ndjsonLines(await (await stack.fetch(result.error[0]!.url!)).text());
    expect(outcomes.map(importLineOf)).toEqual([1]);
    expect(JSON.stringify(outcomes[0])).toContain('Patient/r1 already exists');
    const r1 = await stack.store.read('init', 'Patient', 'r1');
    expect(r1?.versionId).toBe(1);
    expect((r1?.resource as { birthDate?: string }).birthDate).toBe(testResource('Patient', 'r1', 7).birthDate);
  });
});

describe('inputs over http(s)', () => {
  it('imports from an allow-listed URL, with ranged reads', async () => {
    const file = importFile('Patient', 120, { prefix: 'h' });
    httpFiles.set('/allowed/p.ndjson', file.text);
    const { result } = await importAndWait(
      'http',
      importKickoffBody([{ type: 'Patient', url: `${httpBase}/allowed/p.ndjson` }]),
    );
    expect(result.output[0]!.count).toBe(file.goodIds.length);
    expect((await storedVersions('http', 'Patient')).ids).toEqual(sorted(file.goodIds));
  });

  it('refuses at kick-off a redirect out of the allow-list', async () => {
    httpFiles.set('/allowed/redirect', `REDIRECT ${httpBase}/private/p.ndjson`);
    const response = await kickoffImport(
      tenantBase('redirect'),
      stack.fetch,
      importKickoffBody([{ type: 'Patient', url: `${httpBase}/allowed/redirect` }]),
    );
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('input[0].url');
  });
});

describe('kick-off errors', () => {
  // Tenant `refused` reads only `refused/…` in the input bucket.
  const s3 = () => `s3://${stack.inputs.bucket}/refused/patients.ndjson`;
  // Every row has all four values: jest takes a test function with more parameters than the row as a done-callback.
  const cases: Array<[string, () => unknown, string, Record<string, string>]> = [
    ['not Parameters', () => ({ resourceType: 'Patient' }), 'Parameters', {}],
    [
      'no inputFormat',
      () => ({
        ...importKickoffBody([{ type: 'Patient', url: s3() }]),
        parameter: importKickoffBody([{ type: 'Patient', url: s3() }]).parameter.slice(1),
      }),
      'inputFormat',
      {},
    ],
    ['an unknown mode', () => withMode('Sometimes'), 'mode', {}],
    ['an unknown type', () => importKickoffBody([{ type: 'Patientt', url: s3() }]), 'input[0].type', {}],
    [
      'a bucket not allowed',
      () => importKickoffBody([{ type: 'Patient', url: `s3://${stack.objects.bucket}/x` }]),
      'input[0].url',
      {},
    ],
    ['a file: URL', () => importKickoffBody([{ type: 'Patient', url: 'file:///etc/passwd' }]), 'input[0].url', {}],
    [
      'the metadata address',
      () => importKickoffBody([{ type: 'Patient', url: 'http://169.254.169.254/latest/meta-data' }]),
      'input[0].url',
      {},
    ],
    [
      'a host not allowed',
      () => importKickoffBody([{ type: 'Patient', url: `${httpBase}/private/p.ndjson` }]),
      'input[0].url',
      {},
    ],
    [
      'another tenant’s object',
      () => importKickoffBody([{ type: 'Patient', url: `s3://${stack.inputs.bucket}/bad/patients.ndjson` }]),
      'not under s3://',
      {},
    ],
    [
      'an object of a tenant whose name starts alike',
      () => importKickoffBody([{ type: 'Patient', url: `s3://${stack.inputs.bucket}/refusedx/patients.ndjson` }]),
      'input[0].url',
      {},
    ],
    [
      'an object outside every tenant prefix',
      () => importKickoffBody([{ type: 'Patient', url: `s3://${stack.inputs.bucket}/patients.ndjson` }]),
      'input[0].url',
      {},
    ],
    [
      'a missing object',
      () => importKickoffBody([{ type: 'Patient', url: `s3://${stack.inputs.bucket}/refused/nope.ndjson` }]),
      'input[0].url',
      {},
    ],
    ['a wrong etag', () => importKickoffBody([{ type: 'Patient', url: s3(), etag: '"0000"' }]), 'input[0].etag', {}],
    [
      'no Prefer: respond-async',
      () => importKickoffBody([{ type: 'Patient', url: s3() }]),
      'respond-async',
      { Prefer: '' },
    ],
  ];
  it.each(cases)('answers 400 naming the parameter for %s', async (_name, body, named, headers) => {
    await putInput(stack.inputs, 'refused/patients.ndjson', importFile('Patient', 3).text);
    await putInput(stack.inputs, 'bad/patients.ndjson', importFile('Patient', 3).text);
    await putInput(stack.inputs, 'refusedx/patients.ndjson', importFile('Patient', 3).text);
    await putInput(stack.inputs, 'patients.ndjson', importFile('Patient', 3).text);
    const response = await kickoffImport(tenantBase('refused'), stack.fetch, body(), headers);
    expect(response.status).toBe(400);
    const outcome = (await response.json()) as { resourceType: string };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(outcome)).toContain(named);
  });

  it('started nothing for any of them: a valid kick-off after them is the tenant’s only import', async () => {
    const url = await putInput(stack.inputs, 'refused/patients.ndjson', importFile('Patient', 3).text);
    const { jobId } = await importAndWait('refused', importKickoffBody([{ type: 'Patient', url }]));
    // Visibility has caught up with the earlier requests by the time this job is done.
    const imports: string[] = [];
    const query = `TaskQueue="${stack.config.TEMPORAL_TASK_QUEUE}" AND BulkKind="import" AND Tenant="refused"`;
    for await (const execution of stack.client.workflow.list({ query })) imports.push(execution.workflowId);
    expect(imports).toEqual([jobId]);
    expect(await stack.store.db.collection('import_jobs').countDocuments({ tenant: 'refused' })).toBe(1);
  });
});

function withMode(mode: string) {
  const body = importKickoffBody([{ type: 'Patient', url: `s3://${stack.inputs.bucket}/refused/patients.ndjson` }]);
  body.parameter[1] = { name: 'mode', valueString: mode };
  return body;
}

/**
 * A small file server with Range support (206), as object stores and CDNs answer; a body `REDIRECT <url>` answers
 * 302 to that URL instead.
 */
function startFileServer(files: Map<string, string>): Promise<Server> {
  const server = createServer((req, res) => {
    const body = files.get(req.url ?? '');
    if (body === undefined) return void res.writeHead(404).end();
    if (body.startsWith('REDIRECT ')) return void res.writeHead(302, { Location: body.slice(9) }).end();
    const bytes = Buffer.from(body);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const headers = { 'Content-Type': 'application/fhir+ndjson', ETag: '"v1"', 'Accept-Ranges': 'bytes' };
    if (range) {
      res.writeHead(206, {
        ...headers,
        'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
        'Content-Length': bytes.length - start,
      });
    } else {
      res.writeHead(200, { ...headers, 'Content-Length': bytes.length });
    }
    res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
