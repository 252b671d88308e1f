import { type ExportManifest, jobPrefix } from '@fhir-bulk/export';
import { outcomeIssue } from '@fhir-bulk/test-support/src/outcome-issue';
import { type RouteApp, startRouteApp } from '@fhir-bulk/test-support/src/route-app';

// Status, manifest and cancel in-process, against fake jobs whose state each test sets (export-lifecycle.int.test.ts
// and auth-jobs.int.test.ts run the same protocol on the real stack).
let app: RouteApp;
let owner: string;
beforeAll(async () => {
  app = await startRouteApp({ retryAfterSeconds: 3 });
  owner = app.tokens.issue();
});
afterAll(() => app.stop());

/** Kicks off an export as `owner` (or `token` on another app); its status URL and job id. */
async function kickoff(
  path = '/$export?_type=Patient,Observation',
  on: { app: RouteApp; token: string } = { app, token: owner },
): Promise<{ statusPath: string; jobId: string }> {
  const response = await on.app.request(path, on.token, { headers: { Prefer: 'respond-async' } });
  expect(response.status).toBe(202);
  const statusPath = response.headers.get('content-location')!.slice(on.app.baseUrl.length);
  return { statusPath, jobId: statusPath.split('/').pop()! };
}

const poll = (path: string, token = owner) => app.request(path, token);
const cancel = (path: string, token = owner) => app.request(path, token, { method: 'DELETE' });

describe('status of a running export', () => {
  it('answers 202 with X-Progress and Retry-After and no body', async () => {
    const { statusPath } = await kickoff();
    const response = await poll(statusPath);
    expect(response.status).toBe(202);
    expect(response.headers.get('x-progress')).toBe('In progress');
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.text()).toBe('');
  });

  it('says in X-Progress how far the job got', async () => {
    const { statusPath, jobId } = await kickoff();
    app.exports.answer(jobId, { state: 'running', progress: { phase: 'planning', total: 0, byType: {} } });
    expect((await poll(statusPath)).headers.get('x-progress')).toBe('Planning');
    const byType = { Patient: 30, Observation: 10 };
    app.exports.answer(jobId, { state: 'running', progress: { phase: 'exporting', total: 200, byType } });
    expect((await poll(statusPath)).headers.get('x-progress')).toBe(
      'Exporting 20%: 40 of 200 resources (Patient 30, Observation 10)',
    );
  });

  it('answers 429 with Retry-After and an OperationOutcome to a client polling too often', async () => {
    const throttled = await startRouteApp({ pollIntervalMs: 60_000 });
    try {
      const token = throttled.tokens.issue();
      const kicked = await throttled.request('/$export', token, { headers: { Prefer: 'respond-async' } });
      const statusPath = kicked.headers.get('content-location')!.slice(throttled.baseUrl.length);
      expect((await throttled.request(statusPath, token)).status).toBe(202);
      const again = await throttled.request(statusPath, token);
      expect((await outcomeIssue(again, 429)).code).toBe('throttled');
      expect(again.headers.get('retry-after')).toBe('60');
    } finally {
      await throttled.stop();
    }
  });
});

describe('polls sharing status lookups (JOB_STATUS_SHARE_SECONDS)', () => {
  let shared: RouteApp;
  let token: string;
  beforeAll(async () => {
    shared = await startRouteApp({ statusShareSeconds: 60 });
    token = shared.tokens.issue();
  });
  afterAll(() => shared.stop());

  const sharedKickoff = () => kickoff('/$export', { app: shared, token });

  it('answers polls within the interval from the last lookup', async () => {
    const { statusPath, jobId } = await sharedKickoff();
    shared.exports.answer(jobId, { state: 'running', progress: { phase: 'planning', total: 0, byType: {} } });
    expect((await shared.request(statusPath, token)).headers.get('x-progress')).toBe('Planning');
    shared.exports.answer(jobId, { state: 'running', progress: { phase: 'exporting', total: 10, byType: {} } });
    const polls = await Promise.all([1, 2, 3].map(() => shared.request(statusPath, token)));
    expect(polls.map((p) => p.headers.get('x-progress'))).toEqual(['Planning', 'Planning', 'Planning']);
  });

  it('still answers 404 at once after a cancel: ownership and cancellation are checked on every poll', async () => {
    const { statusPath } = await sharedKickoff();
    expect((await shared.request(statusPath, token)).status).toBe(202);
    expect((await shared.request(statusPath, token, { method: 'DELETE' })).status).toBe(202);
    expect((await outcomeIssue(await shared.request(statusPath, token), 404)).code).toBe('not-found');
  });
});

describe('status of a finished export', () => {
  const files = [
    { type: 'Patient', key: 'default/export/x/Patient-0-0.ndjson', count: 2, size: 100, kind: 'output' as const },
    {
      type: 'Observation',
      key: 'default/export/x/Observation-0-0.ndjson',
      count: 5,
      size: 500,
      kind: 'output' as const,
    },
    {
      type: 'Patient',
      key: 'default/export/x/Patient-deleted-0-0.ndjson',
      count: 1,
      size: 90,
      kind: 'deleted' as const,
    },
  ];

  it('answers 200 with the manifest and Expires at both status URLs', async () => {
    const { statusPath, jobId } = await kickoff();
    const expiresAt = new Date('2030-01-02T03:04:05Z');
    await app.completeExport(jobId, files, expiresAt);
    for (const path of [statusPath, `/$bulk-export-status/${jobId}`]) {
      const response = await poll(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('expires')).toBe('Wed, 02 Jan 2030 03:04:05 GMT');
      const manifest = (await response.json()) as ExportManifest;
      const fileUrl = (name: string) => `${app.baseUrl}/_export/${jobId}/files/${name}`;
      expect(manifest).toEqual({
        transactionTime: app.exports.started.at(-1)!.transactionTime,
        request: `${app.baseUrl}/$export?_type=Patient,Observation`,
        requiresAccessToken: true,
        output: [
          { type: 'Observation', url: fileUrl('Observation-0-0.ndjson'), count: 5 },
          { type: 'Patient', url: fileUrl('Patient-0-0.ndjson'), count: 2 },
        ],
        deleted: [{ type: 'Bundle', url: fileUrl('Patient-deleted-0-0.ndjson'), count: 1 }],
        error: [],
      });
    }
  });

  it.each([
    ['TIMEOUT', 504, 'timeout', 'Export failed (TIMEOUT): took too long'],
    ['VIEW_FAILED', 422, 'processing', 'Export failed (VIEW_FAILED): took too long'],
    [undefined, 500, 'exception', 'Export failed: took too long'],
  ] as const)('answers a failure with code %s as %i with an OperationOutcome', async (code, status, issue, text) => {
    const { statusPath, jobId } = await kickoff();
    app.exports.answer(jobId, { state: 'failed', message: 'took too long', ...(code ? { code } : {}) });
    expect(await outcomeIssue(await poll(statusPath), status)).toMatchObject({ code: issue, diagnostics: text });
  });

  it('answers 404 when the job is gone although its record is not', async () => {
    const { statusPath, jobId } = await kickoff();
    app.exports.answer(jobId, { state: 'gone' });
    expect((await outcomeIssue(await poll(statusPath), 404)).code).toBe('not-found');
  });
});

describe('cancel', () => {
  it('answers 202 with an informational OperationOutcome, then 404 to polls and cancels', async () => {
    const { statusPath, jobId } = await kickoff();
    // Sent by res.json, so as application/json, unlike the errors.
    expect(await outcomeIssue(await cancel(statusPath), 202, /^application\/json/)).toMatchObject({
      severity: 'information',
      code: 'informational',
      diagnostics: `Export ${jobId} is cancelled; its files are deleted`,
    });
    expect((await outcomeIssue(await poll(statusPath), 404)).code).toBe('not-found');
    expect((await outcomeIssue(await cancel(statusPath), 404)).code).toBe('not-found');
  });

  it('deletes a completed export: 202, then 404', async () => {
    const { statusPath, jobId } = await kickoff();
    await app.completeExport(jobId, [], new Date('2030-01-01T00:00:00Z'));
    expect((await cancel(statusPath)).status).toBe(202);
    expect((await poll(statusPath)).status).toBe(404);
  });

  it.each(['/_export/8f0c7a2e-0000-4000-8000-000000000000', '/_export/not%20a%20job'])(
    'answers 404 for %s, which is no job',
    async (path) => {
      expect((await outcomeIssue(await poll(path), 404)).code).toBe('not-found');
      expect((await outcomeIssue(await cancel(path), 404)).code).toBe('not-found');
    },
  );
});

describe('output files', () => {
  it('serves a file of the job whole, and a Range of it as 206', async () => {
    const { statusPath, jobId } = await kickoff();
    const text = '{"id":"1"}\n{"id":"2"}\n';
    await app.objects.put(`${jobPrefix('default', jobId)}Patient-0-0.ndjson`, text, 'application/fhir+ndjson');
    const filePath = `${statusPath}/files/Patient-0-0.ndjson`;
    const whole = await poll(filePath);
    expect([whole.status, whole.headers.get('content-type'), await whole.text()]).toEqual([
      200,
      'application/fhir+ndjson',
      text,
    ]);
    const part = await app.request(filePath, owner, { headers: { Range: 'bytes=0-9' } });
    expect([part.status, part.headers.get('content-range'), await part.text()]).toEqual([
      206,
      'bytes 0-9/22',
      '{"id":"1"}',
    ]);
    expect((await poll(`${statusPath}/files/Patient-0-1.ndjson`)).status).toBe(404);
  });
});

describe('who may see a job', () => {
  it('answers 404 to another client, and to the owner under another tenant', async () => {
    const { statusPath, jobId } = await kickoff();
    const stranger = app.tokens.issue({ clientId: 'another-client' });
    expect((await poll(statusPath, stranger)).status).toBe(404);
    expect((await cancel(statusPath, stranger)).status).toBe(404);
    expect((await poll(`/tenant/other/_export/${jobId}`)).status).toBe(404);
    expect((await poll(statusPath)).status).toBe(202);
  });

  it('answers an admin', async () => {
    const { statusPath } = await kickoff();
    const admin = app.tokens.issue({ clientId: 'operator', permissions: ['admin'] });
    expect((await poll(statusPath, admin)).status).toBe(202);
  });

  it('answers 403 to the owner polling with a token that reads fewer types than the job exports', async () => {
    const { statusPath } = await kickoff();
    const narrower = app.tokens.issue({ scope: 'system/Patient.rs' });
    const issue = await outcomeIssue(await poll(statusPath, narrower), 403);
    expect(issue.diagnostics).toMatch(/Observation/);
  });

  it('answers 401 without a token', async () => {
    const { statusPath } = await kickoff();
    expect((await outcomeIssue(await app.request(statusPath, undefined), 401)).code).toBe('login');
  });
});
