import { importKickoffBody, importPrefix } from '@fhir-bulk/import';
import { outcomeIssue } from '@fhir-bulk/test-support/src/outcome-issue';
import { IMPORT_BUCKET, type RouteApp, startRouteApp } from '@fhir-bulk/test-support/src/route-app';

// $import kick-off, status, cancel and error files in-process, against fake jobs and inputs held in memory
// (import.int.test.ts and auth-jobs.int.test.ts run them on the real stack, with the worker).
let app: RouteApp;
let owner: string;
const input = `s3://${IMPORT_BUCKET}/default/patients.ndjson`;
beforeAll(async () => {
  app = await startRouteApp({ retryAfterSeconds: 2 });
  owner = app.tokens.issue();
  await app.objects.put(`${IMPORT_BUCKET}/default/patients.ndjson`, '{"resourceType":"Patient","id":"p1"}\n', 'x');
});
afterAll(() => app.stop());

const kickoff = (body: unknown, token = owner) =>
  app.request('/$import', token, {
    method: 'POST',
    headers: { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });

/** A started import's status path and job id. */
async function started(): Promise<{ statusPath: string; jobId: string }> {
  const response = await kickoff(importKickoffBody([{ type: 'Patient', url: input }]));
  expect(response.status).toBe(202);
  const statusPath = response.headers.get('content-location')!.slice(app.baseUrl.length);
  return { statusPath, jobId: statusPath.split('/').pop()! };
}

describe('import kick-off', () => {
  it('answers 202 with the status URL and starts the job with the checked inputs and its client', async () => {
    const { statusPath, jobId } = await started();
    expect(statusPath).toMatch(/^\/_import\/[0-9a-f-]{36}$/);
    expect(app.imports.started.at(-1)).toMatchObject({
      jobId,
      tenant: 'default',
      mode: 'IncrementalLoad',
      inputs: [{ type: 'Patient', url: input }],
      requestUrl: `${app.baseUrl}/$import`,
      requestedBy: 'bulk-client',
    });
  });

  it.each([
    ['an input that does not exist', `s3://${IMPORT_BUCKET}/default/nope.ndjson`, 'input[0].url'],
    ['another tenant’s input', `s3://${IMPORT_BUCKET}/other/patients.ndjson`, 'input[0].url'],
    ['a bucket not allowed', 's3://elsewhere/default/patients.ndjson', 'input[0].url'],
  ])('answers 400 naming the input to %s, and starts nothing', async (_what, url, expression) => {
    const before = app.imports.started.length;
    const issue = await outcomeIssue(await kickoff(importKickoffBody([{ type: 'Patient', url }])), 400);
    expect(issue.expression).toEqual([expression]);
    expect(app.imports.started).toHaveLength(before);
  });

  it.each<[string, Parameters<RouteApp['tokens']['issue']>[0]]>([
    ['a client without bulk-import/write', { permissions: ['bulk-export/read'] }],
    ['a client that may create but not update the type', { scope: 'system/Patient.c' }],
  ])('answers 403 to %s, and starts nothing', async (_what, grant) => {
    const before = app.imports.started.length;
    const body = importKickoffBody([{ type: 'Patient', url: input }]);
    expect((await outcomeIssue(await kickoff(body, app.tokens.issue(grant)), 403)).code).toBe('forbidden');
    expect(app.imports.started).toHaveLength(before);
  });
});

describe('import status', () => {
  it('answers 202 with X-Progress and Retry-After while the job runs', async () => {
    const { statusPath, jobId } = await started();
    const first = await app.request(statusPath, owner);
    expect([first.status, first.headers.get('x-progress'), first.headers.get('retry-after')]).toEqual([
      202,
      'In progress',
      '2',
    ]);
    const progress = {
      phase: 'importing',
      files: 2,
      filesDone: 1,
      totalBytes: 4 * 2 ** 20,
      bytesDone: 3 * 2 ** 20,
    } as const;
    app.imports.answer(jobId, { state: 'running', progress: { ...progress, resources: 900, errors: 3 } });
    expect((await app.request(statusPath, owner)).headers.get('x-progress')).toBe(
      'Importing 75%: 1 of 2 files, 3.0 of 4.0 MB, 900 resources, 3 errors',
    );
  });

  it('answers 200 with the result once the job completed', async () => {
    const { statusPath, jobId } = await started();
    const result = {
      transactionTime: '2026-01-01T00:00:00.000Z',
      request: `${app.baseUrl}/$import`,
      requiresAccessToken: true,
      output: [{ type: 'Patient', inputUrl: input, count: 1 }],
      error: [],
    };
    app.imports.answer(jobId, { state: 'completed', result });
    const response = await app.request(statusPath, owner);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(result);
  });

  it.each([
    [true, 422, 'processing'],
    [false, 500, 'exception'],
  ])('answers a failure (the client’s: %s) as %i', async (clientFault, status, code) => {
    const { statusPath, jobId } = await started();
    app.imports.answer(jobId, { state: 'failed', message: 'input changed', clientFault });
    const issue = await outcomeIssue(await app.request(statusPath, owner), status);
    expect(issue).toMatchObject({ code, diagnostics: 'Import failed: input changed' });
  });

  it('serves the job’s error files to its owner, and 404 to anyone else or for other names', async () => {
    const { statusPath, jobId } = await started();
    await app.objects.put(`${importPrefix('default', jobId)}errors-0.ndjson`, '{"a":1}\n', 'application/fhir+ndjson');
    const file = await app.request(`${statusPath}/files/errors-0.ndjson`, owner);
    expect([file.status, await file.text()]).toEqual([200, '{"a":1}\n']);
    const stranger = app.tokens.issue({ clientId: 'another-client' });
    expect((await app.request(`${statusPath}/files/errors-0.ndjson`, stranger)).status).toBe(404);
    expect((await app.request(`${statusPath}/files/manifest.json`, owner)).status).toBe(404);
  });
});

describe('import cancel', () => {
  it('answers 202 with an informational OperationOutcome, then 404', async () => {
    const { statusPath, jobId } = await started();
    // Sent by res.json, so as application/json, unlike the errors.
    expect(
      await outcomeIssue(await app.request(statusPath, owner, { method: 'DELETE' }), 202, /^application\/json/),
    ).toMatchObject({
      severity: 'information',
      diagnostics: `Import ${jobId} is cancelled (resources already imported stay); its error files are deleted`,
    });
    expect((await app.request(statusPath, owner)).status).toBe(404);
    expect((await app.request(statusPath, owner, { method: 'DELETE' })).status).toBe(404);
  });
});
