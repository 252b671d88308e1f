import { importKickoffBody } from '@fhir-bulk/import';
import { outcomeIssue } from '@fhir-bulk/test-support/src/outcome-issue';
import { IMPORT_BUCKET, type RouteApp, startRouteApp, TEMPORAL_UI_URL } from '@fhir-bulk/test-support/src/route-app';
import { randomUUID } from 'node:crypto';
import type { JobListingBody } from '../src/routes/job-listing';

// GET [base]/_jobs in-process, over job records in memory (job-listing.int.test.ts lists real jobs from MongoDB).
let app: RouteApp;
let owner: string;
let admin: string;
beforeAll(async () => {
  app = await startRouteApp();
  owner = app.tokens.issue();
  admin = app.tokens.issue({ clientId: 'operator', permissions: ['admin'] });
  await app.objects.put(`${IMPORT_BUCKET}/t1/patients.ndjson`, '{"resourceType":"Patient","id":"p1"}\n', 'x');
});
afterAll(() => app.stop());

async function list(path: string, token: string): Promise<JobListingBody> {
  const response = await app.request(path, token);
  expect([response.status, response.headers.get('content-type')]).toEqual([200, 'application/json; charset=utf-8']);
  return (await response.json()) as JobListingBody;
}

/** A job record as a kick-off writes it, started at `startTime`, of `kind`'s records. */
function seed(
  tenant: string,
  { kind = 'export', clientId = 'bulk-client', startTime = new Date(), operation = '$export' } = {},
): string {
  const jobId = randomUUID();
  const records = kind === 'import' ? app.imports.records : app.exports.records;
  const requestUrl = `${app.baseUrl}/tenant/${tenant}/${operation}`;
  records.started({ jobId, tenant, requestedBy: clientId, requestUrl, types: ['Patient'] }, startTime);
  return jobId;
}

const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 12, minute));

describe('GET [base]/_jobs', () => {
  it('answers 401 without a token', async () => {
    expect((await app.request('/_jobs', undefined)).status).toBe(401);
  });

  it('lists the jobs a client started through kick-off, with their status URL and Temporal UI link', async () => {
    const exported = await app.request('/tenant/t1/$export?_type=Patient', owner, {
      headers: { Prefer: 'respond-async' },
    });
    const imported = await app.request('/tenant/t1/$import', owner, {
      method: 'POST',
      headers: { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(importKickoffBody([{ type: 'Patient', url: `s3://${IMPORT_BUCKET}/t1/patients.ndjson` }])),
    });
    const exportUrl = exported.headers.get('content-location')!;
    const importUrl = imported.headers.get('content-location')!;
    const { jobs, next } = await list('/tenant/t1/_jobs', owner);
    expect(next).toBeUndefined();
    const byUrl = new Map(jobs.map((job) => [job.statusUrl, job]));
    const exportId = exportUrl.split('/').pop()!;
    expect(byUrl.get(exportUrl)).toEqual({
      jobId: exportId,
      kind: 'export',
      status: 'running',
      requestedBy: 'bulk-client',
      request: `${app.baseUrl}/tenant/t1/$export?_type=Patient`,
      types: ['Patient'],
      startTime: expect.stringMatching(/Z$/),
      statusUrl: exportUrl,
      temporalUrl: `${TEMPORAL_UI_URL}/namespaces/default/workflows/${exportId}`,
    });
    expect(byUrl.get(importUrl)).toMatchObject({ kind: 'import', status: 'running' });
  });

  it('gives a finished job its end time and metrics', async () => {
    const jobId = seed('t2');
    const ended = { endTime: at(30), totalRecords: 120, fileCount: 2, totalSize: 4096 };
    app.exports.records.mark(jobId, 'completed', ended);
    const [job] = (await list('/tenant/t2/_jobs', owner)).jobs;
    expect(job).toMatchObject({
      status: 'completed',
      endTime: '2026-12-07T12:30:00.000Z',
      totalRecords: 120,
      fileCount: 2,
      totalSize: 4096,
    });
  });

  it('shows a client only its own jobs, an admin every client’s, and no tenant another’s', async () => {
    const mine = seed('t3');
    const theirs = seed('t3', { clientId: 'someone-else' });
    seed('t4');
    const ids = async (token: string) => (await list('/tenant/t3/_jobs', token)).jobs.map((job) => job.jobId).sort();
    expect(await ids(owner)).toEqual([mine]);
    expect(await ids(admin)).toEqual([mine, theirs].sort());
  });

  it('filters by kind (view exports apart from exports), status and since', async () => {
    const exportJob = seed('t5', { startTime: at(1) });
    const viewJob = seed('t5', { startTime: at(2), operation: 'ViewDefinition/$viewdefinition-export' });
    const importJob = seed('t5', { kind: 'import', startTime: at(3) });
    app.imports.records.mark(importJob, 'failed');
    const ids = async (query: string) => (await list(`/tenant/t5/_jobs?${query}`, owner)).jobs.map((job) => job.jobId);
    expect(await ids('kind=export')).toEqual([exportJob]);
    expect(await ids('kind=view-export')).toEqual([viewJob]);
    expect(await ids('kind=import,view-export')).toEqual([importJob, viewJob]);
    expect(await ids('status=failed')).toEqual([importJob]);
    expect(await ids('status=running,completed')).toEqual([viewJob, exportJob]);
    expect(await ids('since=2026-12-07T12:02:00Z')).toEqual([importJob, viewJob]);
    expect(await ids('since=2026-12-07T13:02:00%2B01:00&kind=view-export')).toEqual([viewJob]);
  });

  it('pages newest first through next links, ties in start time by job id, each job once', async () => {
    const started = [at(1), at(2), at(2), at(2), at(3)].map((startTime, i) =>
      seed('t6', { startTime, kind: i % 2 ? 'import' : 'export' }),
    );
    const seen: string[] = [];
    let path: string | undefined = '/tenant/t6/_jobs?_count=2&status=running';
    while (path) {
      const page = await list(path, owner);
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.jobs.map((job) => job.jobId));
      path = page.next?.slice(app.baseUrl.length);
      if (path) expect(path).toMatch(/^\/tenant\/t6\/_jobs\?_count=2&status=running&cursor=/);
    }
    const tied = started.slice(1, 4).sort().reverse();
    expect(seen).toEqual([started[4], ...tied, started[0]]);
  });

  it.each<[string, string]>([
    ['kind=bulk', 'kind'],
    ['status=done', 'status'],
    ['since=yesterday', 'since'],
    ['_count=0', '_count'],
    ['_count=1001', '_count'],
    ['_count=2.5', '_count'],
    ['cursor=nonsense', 'cursor'],
    ['owner=me', 'owner'],
    ['kind=export&kind=import', 'kind'],
  ])('answers 400 naming the parameter to %s', async (query, expression) => {
    const issue = await outcomeIssue(await app.request(`/_jobs?${query}`, owner), 400);
    expect(issue.expression).toEqual([expression]);
  });
});
