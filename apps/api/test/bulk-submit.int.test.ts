import { IMPORT_JOBS_COLLECTION } from '@fhir-bulk/jobs';
import { SUBMIT_STATUS_MANIFEST_TYPE, type SubmitStatusManifest } from '@fhir-bulk/import';
import { type BulkStack, importFile, pollUntilDone, putInput, startBulkStack } from '@fhir-bulk/test-support';

/**
 * $bulk-submit and $bulk-submit-status (Bulk Data IG 4.0.0-ballot) end to end on the real stack: manifests and
 * NDJSON in the import bucket → one import job per manifest → MongoDB, counted there; the status answers 202 while
 * the submission is open or importing, then 200 with the status manifest.
 */
let stack: BulkStack;

beforeAll(async () => {
  stack = await startBulkStack({ env: { IMPORT_BATCH_SIZE: '50' } });
});

afterAll(async () => {
  await stack.stop();
});

const base = (tenant: string) => `${stack.baseUrl}/tenant/${tenant}`;
const SUBMITTER = { system: 'https://provider.example/submitters', value: 'lab-1' };
const FHIR_BASE = 'https://provider.example/fhir';

type Parameter = Record<string, unknown>;
const param = {
  submitter: (value: object = SUBMITTER): Parameter => ({ name: 'submitter', valueIdentifier: value }),
  submissionId: (id: string): Parameter => ({ name: 'submissionId', valueString: id }),
  manifestUrl: (url: string): Parameter => ({ name: 'manifestUrl', valueUrl: url }),
  fhirBaseUrl: (): Parameter => ({ name: 'fhirBaseUrl', valueUrl: FHIR_BASE }),
  replaces: (url: string): Parameter => ({ name: 'replacesManifestUrl', valueUrl: url }),
  status: (code: string): Parameter => ({
    name: 'submissionStatus',
    valueCoding: { system: 'http://hl7.org/fhir/event-status', code },
  }),
};

function post(tenant: string, operation: string, parameter: Parameter[], send = stack.fetch) {
  return send(`${base(tenant)}/${operation}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Prefer: 'respond-async' },
    body: JSON.stringify({ resourceType: 'Parameters', parameter }),
  });
}

/** A $bulk-submit that must be accepted (200). */
async function submit(tenant: string, submissionId: string, ...more: Parameter[]) {
  const response = await post(tenant, '$bulk-submit', [param.submitter(), param.submissionId(submissionId), ...more]);
  expect({ status: response.status, body: await response.text() }).toMatchObject({ status: 200 });
}

const submitManifest = (tenant: string, id: string, url: string, ...more: Parameter[]) =>
  submit(tenant, id, param.manifestUrl(url), param.fhirBaseUrl(), ...more);

/** Puts NDJSON files and a manifest naming them in the tenant's prefix of the import bucket; returns its URL. */
async function putManifest(tenant: string, name: string, files: Record<string, string>): Promise<string> {
  const output = [];
  for (const [type, text] of Object.entries(files)) {
    output.push({ type, url: await putInput(stack.inputs, `${tenant}/${name}/${type}.ndjson`, text) });
  }
  const manifest = { transactionTime: new Date().toISOString(), requiresAccessToken: false, output, error: [] };
  return putInput(stack.inputs, `${tenant}/${name}/manifest.json`, JSON.stringify(manifest));
}

async function statusUrlOf(tenant: string, submissionId: string): Promise<string> {
  const response = await post(tenant, '$bulk-submit-status', [param.submitter(), param.submissionId(submissionId)]);
  expect(response.status).toBe(202);
  return response.headers.get('content-location')!;
}

/** Polls a submission's status until it stops answering 202 (every import job must have finished by then). */
async function finalStatus(statusUrl: string): Promise<Response> {
  return pollUntilDone(statusUrl, stack.fetch);
}

const jobRecords = () => stack.mongo.db(stack.config.MONGODB_DB).collection(IMPORT_JOBS_COLLECTION);

async function stored(tenant: string, type: string) {
  const docs = await stack.store.collection(tenant, type).find({ tenant }).toArray();
  const history = await stack.store.history(tenant, type).countDocuments({ tenant });
  return { count: docs.length, versions: new Set(docs.map((d) => d.versionId)), history };
}

async function expectOutcome(response: Response, status: number, expression: string, code?: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { resourceType: string; issue: Array<Record<string, unknown>> };
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0]!.expression).toEqual([expression]);
  if (code) expect(body.issue[0]!.code).toBe(code);
}

describe('a submission of two manifests', () => {
  it('imports both, answers 202 until completed, then 200 with the status manifest', async () => {
    const patients = importFile('Patient', 60, { prefix: 'p' });
    const observations = importFile('Observation', 30, { prefix: 'o', badEvery: 0 });
    const first = await putManifest('sub-a', 'first', { Patient: patients.text });
    const second = await putManifest('sub-a', 'second', { Observation: observations.text });

    await submitManifest('sub-a', 's1', first);
    const statusUrl = await statusUrlOf('sub-a', 's1');
    expect(statusUrl).toMatch(new RegExp(`^${base('sub-a')}/_bulk-submit/[0-9a-f]+$`));
    await submitManifest('sub-a', 's1', second);
    const open = await stack.fetch(statusUrl);
    expect(open.status).toBe(202);
    expect(open.headers.get('x-progress')).toMatch(/^Submission awaiting more manifests; . of 2 manifests imported/);

    await submit('sub-a', 's1', param.status('completed'));
    const done = await finalStatus(statusUrl);
    expect(done.status).toBe(200);
    const manifest = (await done.json()) as SubmitStatusManifest;
    expect(manifest).toMatchObject({ manifestType: SUBMIT_STATUS_MANIFEST_TYPE, submissionId: 's1', output: [] });
    expect(manifest.outcome).toEqual([
      {
        url: expect.stringMatching(new RegExp(`^${base('sub-a')}/_import/[^/]+/files/errors-0\\.ndjson$`)),
        manifestUrl: first,
        countSeverity: [{ code: 'error', count: patients.badLines.length }],
      },
    ]);
    expect((await stack.fetch(manifest.outcome[0]!.url)).status).toBe(200);
    expect((await stored('sub-a', 'Patient')).count).toBe(patients.goodIds.length);
    expect((await stored('sub-a', 'Observation')).count).toBe(observations.goodIds.length);
  });
});

describe('resubmitting', () => {
  it('the same files in a new manifest and submission imports nothing twice', async () => {
    const patients = importFile('Patient', 40, { prefix: 'p', badEvery: 0 });
    const once = await putManifest('sub-b', 'once', { Patient: patients.text });
    await submitManifest('sub-b', 'first', once, param.status('completed'));
    expect((await finalStatus(await statusUrlOf('sub-b', 'first'))).status).toBe(200);
    const before = await stored('sub-b', 'Patient');
    expect(before).toEqual({ count: 40, versions: new Set([1]), history: expect.any(Number) });

    const again = await putManifest('sub-b', 'again', { Patient: patients.text });
    await submitManifest('sub-b', 'second', again, param.status('completed'));
    expect((await finalStatus(await statusUrlOf('sub-b', 'second'))).status).toBe(200);
    expect(await stored('sub-b', 'Patient')).toEqual(before);
  });

  it('a manifest URL already in the submission is answered as applied and starts no second import', async () => {
    const url = await putManifest('sub-c', 'm', { Patient: importFile('Patient', 5, { badEvery: 0 }).text });
    await submitManifest('sub-c', 'repeat', url);
    const jobsBefore = await jobRecords().countDocuments({ tenant: 'sub-c' });
    const response = await post('sub-c', '$bulk-submit', [
      param.submitter(),
      param.submissionId('repeat'),
      param.manifestUrl(url),
      param.fhirBaseUrl(),
    ]);
    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain('already applied');
    expect(await jobRecords().countDocuments({ tenant: 'sub-c' })).toBe(jobsBefore);
  });
});

describe('ending a submission', () => {
  it('stopped: the status answers 410 and the submission takes no more manifests', async () => {
    const url = await putManifest('sub-d', 'm', { Patient: importFile('Patient', 5, { badEvery: 0 }).text });
    await submitManifest('sub-d', 'stop-me', url);
    await submit('sub-d', 'stop-me', param.status('stopped'));
    const status = await stack.fetch(await statusUrlOf('sub-d', 'stop-me'));
    expect(status.status).toBe(410);
    const late = await putManifest('sub-d', 'late', { Patient: importFile('Patient', 5, { badEvery: 0 }).text });
    const refused = await post('sub-d', '$bulk-submit', [
      param.submitter(),
      param.submissionId('stop-me'),
      param.manifestUrl(late),
      param.fhirBaseUrl(),
    ]);
    await expectOutcome(refused, 409, 'submissionStatus', 'conflict');
  });

  it('completed: a later manifest is refused with 409', async () => {
    await submit('sub-d', 'closed', param.status('completed'));
    const url = await putManifest('sub-d', 'after', { Patient: importFile('Patient', 5, { badEvery: 0 }).text });
    const refused = await post('sub-d', '$bulk-submit', [
      param.submitter(),
      param.submissionId('closed'),
      param.manifestUrl(url),
      param.fhirBaseUrl(),
    ]);
    await expectOutcome(refused, 409, 'submissionStatus', 'conflict');
  });
});

describe('replacesManifestUrl', () => {
  it('naming no manifest of the submission is a 400; naming an imported one is a 409', async () => {
    const url = await putManifest('sub-e', 'm', { Patient: importFile('Patient', 5, { badEvery: 0 }).text });
    await submitManifest('sub-e', 'r', url, param.status('completed'));
    expect((await finalStatus(await statusUrlOf('sub-e', 'r'))).status).toBe(200);
    const open = await putManifest('sub-e', 'n', { Patient: importFile('Patient', 5, { badEvery: 0 }).text });
    await submitManifest('sub-e', 'r2', open);
    await expectOutcome(
      await post('sub-e', '$bulk-submit', [
        param.submitter(),
        param.submissionId('r2'),
        param.replaces(url),
        param.status('in-progress'),
      ]),
      400,
      'replacesManifestUrl',
    );
    await finalStatusAfterImports('sub-e', 'r2');
    await expectOutcome(
      await post('sub-e', '$bulk-submit', [
        param.submitter(),
        param.submissionId('r2'),
        param.replaces(open),
        param.status('in-progress'),
      ]),
      409,
      'replacesManifestUrl',
      'conflict',
    );
  });
});

/** Waits until the submission's import jobs are done (the status says `N of N manifests imported`). */
async function finalStatusAfterImports(tenant: string, submissionId: string) {
  const url = await statusUrlOf(tenant, submissionId);
  for (let i = 0; i < 300; i++) {
    const progress = (await stack.fetch(url)).headers.get('x-progress') ?? '';
    const [, done, all] = /(\d+) of (\d+) manifests imported/.exec(progress) ?? [];
    if (done !== undefined && done === all) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the imports did not finish');
}

describe('the source policy', () => {
  it("refuses a manifest in another tenant's prefix", async () => {
    const url = await putManifest('sub-other', 'm', { Patient: importFile('Patient', 5, { badEvery: 0 }).text });
    const response = await post('sub-f', '$bulk-submit', [
      param.submitter(),
      param.submissionId('x'),
      param.manifestUrl(url),
      param.fhirBaseUrl(),
    ]);
    await expectOutcome(response, 400, 'manifestUrl', 'forbidden');
  });

  it("refuses a manifest naming a file in another tenant's prefix, and an http file not allow-listed", async () => {
    const foreign = await putInput(stack.inputs, 'sub-other/p.ndjson', importFile('Patient', 5).text);
    for (const url of [foreign, 'http://169.254.169.254/latest/meta-data.ndjson']) {
      const manifest = { transactionTime: new Date().toISOString(), output: [{ type: 'Patient', url }] };
      const manifestUrl = await putInput(stack.inputs, `sub-f/bad-${url.length}.json`, JSON.stringify(manifest));
      const response = await post('sub-f', '$bulk-submit', [
        param.submitter(),
        param.submissionId('y'),
        param.manifestUrl(manifestUrl),
        param.fhirBaseUrl(),
      ]);
      await expectOutcome(response, 400, 'manifestUrl', 'forbidden');
    }
    // Nothing was recorded: the status of that submission does not exist.
    const status = await post('sub-f', '$bulk-submit-status', [param.submitter(), param.submissionId('y')]);
    expect(status.status).toBe(404);
  });
});

describe('invalid requests', () => {
  const url = 's3://any-bucket/sub-g/m.json';
  it.each([
    ['submitter', [param.submissionId('z'), param.manifestUrl(url), param.fhirBaseUrl()]],
    ['submitter', [param.submitter({ value: 'no-system' }), param.submissionId('z'), param.manifestUrl(url)]],
    ['submissionId', [param.submitter(), param.manifestUrl(url), param.fhirBaseUrl()]],
    ['fhirBaseUrl', [param.submitter(), param.submissionId('z'), param.manifestUrl(url)]],
    ['manifestUrl', [param.submitter(), param.submissionId('z')]],
    ['submissionStatus', [param.submitter(), param.submissionId('z'), param.status('complete')]],
    ['oauthMetadataUrl', [param.submitter(), param.submissionId('z'), { name: 'oauthMetadataUrl', valueUrl: url }]],
  ])('a request without a valid %s is a 400 naming it', async (name, parameters) => {
    await expectOutcome(await post('sub-g', '$bulk-submit', parameters), 400, name);
  });

  it('a status request without submissionId is a 400 naming it', async () => {
    await expectOutcome(await post('sub-g', '$bulk-submit-status', [param.submitter()]), 400, 'submissionId');
  });
});

describe('the CapabilityStatement', () => {
  it('declares both operations by their Bulk Data IG definitions', async () => {
    const statement = (await (await fetch(`${base('sub-i')}/metadata`)).json()) as {
      rest: Array<{ operation: Array<{ name: string; definition: string }> }>;
    };
    const ig = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';
    expect(statement.rest[0]!.operation).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'bulk-submit', definition: `${ig}/bulk-submit` }),
        expect.objectContaining({ name: 'bulk-submit-status', definition: `${ig}/bulk-submit-status` }),
      ]),
    );
  });
});

describe('authorization', () => {
  it('a client without bulk-import/write is refused with 403, on both operations', async () => {
    const reader = await stack.registerClient({ permissions: ['bulk-export/read'] });
    const parameters = [param.submitter(), param.submissionId('w'), param.status('completed')];
    expect((await post('sub-h', '$bulk-submit', parameters, reader.http.fetch)).status).toBe(403);
    expect((await post('sub-h', '$bulk-submit-status', parameters.slice(0, 2), reader.http.fetch)).status).toBe(403);
  });

  it("another client's submission is not found for status and refused for changes", async () => {
    await submit('sub-h', 'mine', param.status('completed'));
    const other = await stack.registerClient();
    const parameters = [param.submitter(), param.submissionId('mine')];
    expect((await post('sub-h', '$bulk-submit-status', parameters, other.http.fetch)).status).toBe(404);
    const change = [...parameters, param.status('stopped')];
    expect((await post('sub-h', '$bulk-submit', change, other.http.fetch)).status).toBe(403);
  });
});
