import { SUBMIT_STATUS_MANIFEST_TYPE, type SubmitStatusManifest } from '@fhir-bulk/import';
import { outcomeIssue } from '@fhir-bulk/test-support/src/outcome-issue';
import { IMPORT_BUCKET, type RouteApp, startRouteApp } from '@fhir-bulk/test-support/src/route-app';

// $bulk-submit and $bulk-submit-status in-process: submissions and import jobs in memory, manifests and their files
// in memory objects (bulk-submit.int.test.ts runs them on the real stack, importing for real).
let app: RouteApp;
let owner: string;
beforeAll(async () => {
  app = await startRouteApp({ retryAfterSeconds: 4 });
  owner = app.tokens.issue();
});
afterAll(() => app.stop());

const SUBMITTER = { name: 'submitter', valueIdentifier: { system: 'https://provider.example/ids', value: 'lab-1' } };
const submissionId = (id: string) => ({ name: 'submissionId', valueString: id });
const manifestUrl = (url: string) => ({ name: 'manifestUrl', valueUrl: url });
const FHIR_BASE = { name: 'fhirBaseUrl', valueUrl: 'https://provider.example/fhir' };
const status = (code: string) => ({
  name: 'submissionStatus',
  valueCoding: { system: 'http://hl7.org/fhir/event-status', code },
});

const post = (operation: string, parameter: object[], token = owner) =>
  app.request(`/${operation}`, token, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Prefer: 'respond-async' },
    body: JSON.stringify({ resourceType: 'Parameters', parameter }),
  });

/** A manifest of one Patient file in the default tenant's import prefix; its URL. */
async function putManifest(name: string): Promise<string> {
  const prefix = `${IMPORT_BUCKET}/default/${name}`;
  await app.objects.put(`${prefix}/Patient.ndjson`, '{"resourceType":"Patient","id":"p1"}\n', 'application/x-ndjson');
  const output = [{ type: 'Patient', url: `s3://${prefix}/Patient.ndjson` }];
  const manifest = { transactionTime: '2026-01-01T00:00:00Z', requiresAccessToken: false, output, error: [] };
  await app.objects.put(`${prefix}/manifest.json`, JSON.stringify(manifest), 'application/json');
  return `s3://${prefix}/manifest.json`;
}

/** The submission's status path, from $bulk-submit-status. */
async function statusPathOf(id: string, token = owner): Promise<string> {
  const response = await post('$bulk-submit-status', [SUBMITTER, submissionId(id)], token);
  expect(response.status).toBe(202);
  return response.headers.get('content-location')!.slice(app.baseUrl.length);
}

describe('$bulk-submit', () => {
  it('answers 200 with an informational OperationOutcome and starts one import job of the manifest’s files', async () => {
    const url = await putManifest('m1');
    const response = await post('$bulk-submit', [SUBMITTER, submissionId('s1'), manifestUrl(url), FHIR_BASE]);
    // Sent by res.json, so as application/json.
    expect(await outcomeIssue(response, 200, /^application\/json/)).toMatchObject({
      severity: 'information',
      diagnostics: 'Submission s1 is in-progress; 1 manifest submitted',
    });
    expect(app.imports.started.at(-1)).toMatchObject({
      mode: 'IncrementalLoad',
      inputs: [{ type: 'Patient', url: url.replace('manifest.json', 'Patient.ndjson') }],
      requestedBy: 'bulk-client',
    });
  });

  it('answers 400 naming manifestUrl for a manifest outside the tenant’s sources, and starts nothing', async () => {
    const before = app.imports.started.length;
    const elsewhere = manifestUrl(`s3://${IMPORT_BUCKET}/other/manifest.json`);
    const response = await post('$bulk-submit', [SUBMITTER, submissionId('s9'), elsewhere, FHIR_BASE]);
    expect((await outcomeIssue(response, 400)).expression).toEqual(['manifestUrl']);
    expect(app.imports.started).toHaveLength(before);
  });
});

describe('$bulk-submit-status', () => {
  it('answers 202 with X-Progress and Retry-After until the submission is completed and imported, then 200', async () => {
    const url = await putManifest('m2');
    await post('$bulk-submit', [SUBMITTER, submissionId('s2'), manifestUrl(url), FHIR_BASE]);
    const jobId = app.imports.started.at(-1)!.jobId;
    const statusPath = await statusPathOf('s2');
    expect(statusPath).toMatch(/^\/_bulk-submit\/[0-9a-f]{40}$/);
    const polled = await app.request(statusPath, owner);
    expect([polled.status, polled.headers.get('x-progress'), polled.headers.get('retry-after')]).toEqual([
      202,
      'Submission awaiting more manifests; 0 of 1 manifests imported, 0 resources',
      '4',
    ]);

    await post('$bulk-submit', [SUBMITTER, submissionId('s2'), status('completed')]);
    const output = [{ type: 'Patient', inputUrl: url.replace('manifest.json', 'Patient.ndjson'), count: 1 }];
    const result = { transactionTime: 't', request: 'r', requiresAccessToken: true, output, error: [] };
    app.imports.answer(jobId, { state: 'completed', result });
    const done = await app.request(statusPath, owner);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject<Partial<SubmitStatusManifest>>({
      manifestType: SUBMIT_STATUS_MANIFEST_TYPE,
      submissionId: 's2',
      requiresAccessToken: true,
      outcome: [],
    });
  });

  it('answers 410 with an OperationOutcome once the Data Provider stopped the submission', async () => {
    await post('$bulk-submit', [SUBMITTER, submissionId('s3'), status('stopped')]);
    const issue = await outcomeIssue(await app.request(await statusPathOf('s3'), owner), 410);
    expect(issue).toMatchObject({ code: 'deleted', diagnostics: 'Submission s3 was stopped by its Data Provider' });
  });

  it('answers 404 to another client, at kick-off and at the status URL', async () => {
    await post('$bulk-submit', [SUBMITTER, submissionId('s4'), status('in-progress')]);
    const statusPath = await statusPathOf('s4');
    const stranger = app.tokens.issue({ clientId: 'another-client' });
    expect((await post('$bulk-submit-status', [SUBMITTER, submissionId('s4')], stranger)).status).toBe(404);
    expect((await outcomeIssue(await app.request(statusPath, stranger), 404)).code).toBe('not-found');
  });
});
