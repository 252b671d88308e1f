import { importKickoffBody } from '@fhir-bulk/import';
import { sampleView } from '@fhir-bulk/sample-data';
import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  importFile,
  pollUntilDone,
  putInput,
  startBulkStack,
  startImport,
  type TestClient,
} from '@fhir-bulk/test-support';
import type { JobListingBody } from '../src/routes/job-listing';

/**
 * `GET [base]/_jobs` on the real stack, through real SMART tokens: the job records the kick-offs and the worker
 * wrote in MongoDB (an export and an import of one client, an export and a view export of another), listed per
 * client (an admin sees every client's), filtered (FerretDB runs the kind filter's `$regex` and `$not`) and paged.
 */
const TENANT = 'listing';
const PATIENTS = 6;
let stack: BulkStack;
let owner: TestClient;
let other: TestClient;
let admin: TestClient;
const jobs: Record<'ownerExport' | 'ownerImport' | 'otherExport' | 'otherView', string> = {
  ownerExport: '',
  ownerImport: '',
  otherExport: '',
  otherView: '',
};

const base = () => `${stack.baseUrl}/tenant/${TENANT}`;

async function list(client: TestClient, query = ''): Promise<JobListingBody> {
  const response = await client.http.fetch(`${base()}/_jobs${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as JobListingBody;
}
const idsOf = async (client: TestClient, query = '') => (await list(client, query)).jobs.map((job) => job.jobId);

async function exportAs(client: TestClient): Promise<string> {
  const kickoff = await client.http.fetch(`${base()}/$export?_type=Patient`, { headers: { Prefer: 'respond-async' } });
  expect(kickoff.status).toBe(202);
  const statusUrl = kickoff.headers.get('content-location')!;
  expect((await pollUntilDone(statusUrl, client.http.fetch)).status).toBe(200);
  return statusUrl.split('/').pop()!;
}

/** A `$viewdefinition-export` of an inline view: an export job, listed as a view export. */
async function viewExportAs(client: TestClient): Promise<string> {
  const view = { ...sampleView('patient-demographics'), id: undefined };
  const kickoff = await client.http.fetch(`${base()}/ViewDefinition/$viewdefinition-export`, {
    method: 'POST',
    headers: { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'Parameters',
      parameter: [{ name: 'view', part: [{ name: 'viewResource', resource: view }] }],
    }),
  });
  expect(kickoff.status).toBe(202);
  const statusUrl = kickoff.headers.get('content-location')!;
  expect((await pollUntilDone(statusUrl, client.http.fetch)).status).toBe(200);
  return statusUrl.split('/').pop()!;
}

beforeAll(async () => {
  stack = await startBulkStack();
  owner = await stack.registerClient();
  other = await stack.registerClient();
  admin = await stack.registerClient({ permissions: ['bulk-export/read', 'admin'] });
  await bulkLoad(
    stack.store,
    TENANT,
    Array.from({ length: PATIENTS }, (_, i) => ({ resourceType: 'Patient', id: `p${i}`, gender: 'other' })),
  );
  jobs.ownerExport = await exportAs(owner);
  const input = importFile('Patient', 10, { badEvery: 5, prefix: 'imported-' });
  const url = await putInput(stack.inputs, `${TENANT}/patients.ndjson`, input.text);
  const started = await startImport(base(), owner.http.fetch, importKickoffBody([{ type: 'Patient', url }]));
  expect((await pollUntilDone(started.statusUrl, owner.http.fetch)).status).toBe(200);
  jobs.ownerImport = started.jobId;
  jobs.otherExport = await exportAs(other);
  jobs.otherView = await viewExportAs(other);
});
afterAll(() => stack.stop());

describe('GET [base]/_jobs on the real stack', () => {
  it('lists a client’s finished export and import with their metrics, status URL and Temporal UI link', async () => {
    const listed = await list(owner);
    expect(listed.next).toBeUndefined();
    expect(listed.jobs.map((job) => job.jobId)).toEqual([jobs.ownerImport, jobs.ownerExport]);
    const [imported, exported] = listed.jobs;
    expect(exported).toMatchObject({
      kind: 'export',
      status: 'completed',
      requestedBy: owner.clientId,
      totalRecords: PATIENTS,
      fileCount: 1,
      statusUrl: `${base()}/_export/${jobs.ownerExport}`,
      temporalUrl: `${stack.config.TEMPORAL_UI_URL}/namespaces/${stack.config.TEMPORAL_NAMESPACE}/workflows/${jobs.ownerExport}`,
    });
    expect(exported!.totalSize).toBeGreaterThan(0);
    expect(Date.parse(exported!.endTime!)).toBeGreaterThanOrEqual(Date.parse(exported!.startTime));
    // 10 lines, every fifth bad: 8 resources from 1 input file.
    expect(imported).toMatchObject({ kind: 'import', status: 'completed', totalRecords: 8, fileCount: 1 });
    expect((await owner.http.fetch(exported!.statusUrl)).status).toBe(200);
  });

  it('lists a view export as one, polled at its own status URL', async () => {
    const [view] = (await list(other)).jobs;
    expect(view).toMatchObject({
      jobId: jobs.otherView,
      kind: 'view-export',
      status: 'completed',
      statusUrl: `${base()}/_viewdefinition-export/${jobs.otherView}`,
    });
    expect((await other.http.fetch(view!.statusUrl)).status).toBe(200);
  });

  it('never shows a client another client’s jobs; shows an admin every client’s', async () => {
    expect(await idsOf(other)).toEqual([jobs.otherView, jobs.otherExport]);
    expect(await idsOf(admin)).toEqual([jobs.otherView, jobs.otherExport, jobs.ownerImport, jobs.ownerExport]);
    expect(await idsOf(other, '?kind=import')).toEqual([]);
  });

  it('filters by kind, status and since', async () => {
    expect(await idsOf(admin, '?kind=import')).toEqual([jobs.ownerImport]);
    expect(await idsOf(admin, '?kind=export&status=completed')).toEqual([jobs.otherExport, jobs.ownerExport]);
    expect(await idsOf(admin, '?status=failed,cancelled')).toEqual([]);
    expect(await idsOf(admin, '?kind=view-export')).toEqual([jobs.otherView]);
    expect(await idsOf(admin, '?kind=view-export,import')).toEqual([jobs.otherView, jobs.ownerImport]);
    const { startTime } = (await list(admin, '?kind=import')).jobs[0]!;
    expect(await idsOf(admin, `?since=${encodeURIComponent(startTime)}`)).toEqual([
      jobs.otherView,
      jobs.otherExport,
      jobs.ownerImport,
    ]);
  });

  it('pages through next links, newest first, each job once', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${base()}/_jobs?_count=1`;
    while (url) {
      const response = await admin.http.fetch(url);
      expect(response.status).toBe(200);
      const page = (await response.json()) as JobListingBody;
      expect(page.jobs).toHaveLength(1);
      seen.push(page.jobs[0]!.jobId);
      url = page.next;
    }
    expect(seen).toEqual([jobs.otherView, jobs.otherExport, jobs.ownerImport, jobs.ownerExport]);
  });

  it('answers 400 naming a bad parameter, and 401 without a token', async () => {
    const response = await owner.http.fetch(`${base()}/_jobs?status=finished`);
    expect(response.status).toBe(400);
    const outcome = (await response.json()) as { issue: Array<{ expression?: string[] }> };
    expect(outcome.issue[0]!.expression).toEqual(['status']);
    expect((await fetch(`${base()}/_jobs`)).status).toBe(401);
  });
});
