import { type ExportManifest, manifestKey, NDJSON, outputKey } from '@fhir-bulk/export';
import { bulkLoad } from '@fhir-bulk/store';
import type { OperationOutcome } from '@fhir-bulk/fhir';
import { type BulkStack, pollUntilDone, startBulkStack, suiteFhirVersion } from '@fhir-bulk/test-support';

let stack: BulkStack;
beforeAll(async () => {
  stack = await startBulkStack();
});
afterAll(() => stack.stop());

const patients = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    resourceType: 'Patient',
    id: `pt-${String(i).padStart(5, '0')}`,
    gender: 'other',
  }));

const kickoff = (path: string, headers: Record<string, string> = { Prefer: 'respond-async' }) =>
  stack.fetch(`${stack.baseUrl}${path}`, { headers });

describe('system-level $export, end to end', () => {
  it('exports every Patient exactly once to NDJSON in S3 and answers with the manifest', async () => {
    await bulkLoad(stack.store, 'default', patients(1_234));
    const response = await kickoff('/$export?_type=Patient');
    expect(response.status).toBe(202);
    const statusUrl = response.headers.get('content-location')!;
    expect(statusUrl).toMatch(new RegExp(`^${stack.baseUrl}/_export/[0-9a-f-]{36}$`));
    const jobId = statusUrl.split('/').pop()!;

    const done = await pollUntilDone(statusUrl, stack.fetch);
    expect(done.status).toBe(200);
    const manifest = (await done.json()) as ExportManifest;
    expect(manifest).toMatchObject({
      request: `${stack.baseUrl}/$export?_type=Patient`,
      requiresAccessToken: true,
      output: [{ type: 'Patient', url: `${statusUrl}/files/Patient-0-0.ndjson`, count: 1_234 }],
      deleted: [],
      error: [],
    });
    expect(Date.parse(manifest.transactionTime)).not.toBeNaN();

    const ndjson = await stack.objects.getText(
      outputKey({ tenant: 'default', jobId, outputFormat: NDJSON }, { type: 'Patient', kind: 'output', index: 0 }, 0),
    );
    const lines = ndjson
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1_234);
    expect(new Set(lines.map((r) => r.id)).size).toBe(1_234);
    expect(lines[0]).toMatchObject({ resourceType: 'Patient', id: 'pt-00000', meta: { versionId: '1' } });
    expect(JSON.parse(await stack.objects.getText(manifestKey('default', jobId)))).toEqual(manifest);

    const download = await stack.fetch(manifest.output[0]!.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
    expect(await download.text()).toBe(ndjson);
  });

  it('serves output files only within their own tenant and job', async () => {
    await bulkLoad(stack.store, 'files', patients(2));
    const statusUrl = (await kickoff('/tenant/files/$export?_type=Patient')).headers.get('content-location')!;
    const manifest = (await (await pollUntilDone(statusUrl, stack.fetch)).json()) as ExportManifest;
    const url = manifest.output[0]!.url;
    expect(url).toBe(`${statusUrl}/files/Patient-0-0.ndjson`);
    expect((await stack.fetch(url)).status).toBe(200);
    expect((await stack.fetch(url.replace('/tenant/files/', '/tenant/other/'))).status).toBe(404);
    expect((await stack.fetch(url.replace('/tenant/files/', '/'))).status).toBe(404);
    expect((await stack.fetch(`${statusUrl}/files/Patient-0-1.ndjson`)).status).toBe(404);
    expect((await stack.fetch(`${statusUrl}/files/manifest.json`)).status).toBe(404);
    expect((await stack.fetch(`${statusUrl}/files/..%2F..%2Fsecret.ndjson`)).status).toBe(404);
  });

  it('keeps tenants apart: another tenant exports only its own data and cannot see this job', async () => {
    await bulkLoad(stack.store, 'acme', patients(3));
    const response = await kickoff('/tenant/acme/$export?_type=Patient');
    const statusUrl = response.headers.get('content-location')!;
    expect(statusUrl).toContain('/tenant/acme/_export/');
    const manifest = (await (await pollUntilDone(statusUrl, stack.fetch)).json()) as ExportManifest;
    expect(manifest.output).toEqual([expect.objectContaining({ type: 'Patient', count: 3 })]);
    const jobId = statusUrl.split('/').pop();
    expect((await stack.fetch(`${stack.baseUrl}/_export/${jobId}`)).status).toBe(404);
    expect((await stack.fetch(`${stack.baseUrl}/tenant/other/_export/${jobId}`)).status).toBe(404);
  });

  it('is served under the /fhir prefix too', async () => {
    const response = await kickoff('/fhir/$export?_type=Patient');
    expect(response.status).toBe(202);
    expect(response.headers.get('content-location')).toMatch(new RegExp(`^${stack.baseUrl}/fhir/_export/`));
    expect((await pollUntilDone(response.headers.get('content-location')!, stack.fetch)).status).toBe(200);
  });

  it('leaves out types with no resources', async () => {
    const response = await kickoff('/tenant/empty/$export?_type=Patient,Observation');
    const manifest = (await (
      await pollUntilDone(response.headers.get('content-location')!, stack.fetch)
    ).json()) as ExportManifest;
    expect(manifest.output).toEqual([]);
    const jobId = response.headers.get('content-location')!.split('/').pop()!;
    expect(await stack.objects.list(`empty/export/${jobId}/`)).toEqual([`empty/export/${jobId}/manifest.json`]);
  });

  it('lets operators find the job in Temporal by its search attributes', async () => {
    const response = await kickoff('/tenant/visible/$export?_type=Patient');
    const jobId = response.headers.get('content-location')!.split('/').pop()!;
    await pollUntilDone(response.headers.get('content-location')!, stack.fetch);
    const query = `BulkKind = 'export' AND Tenant = 'visible' AND ResourceTypes = 'Patient' AND WorkflowId = '${jobId}'`;
    let found: string[] = [];
    for (let attempt = 0; attempt < 50 && found.length === 0; attempt++) {
      found = [];
      for await (const execution of stack.client.workflow.list({ query })) found.push(execution.workflowId);
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 100)); // visibility is eventually consistent
    }
    expect(found).toEqual([jobId]);
  });
});

describe('kick-off errors', () => {
  it.each([
    ['a missing Prefer: respond-async', '/$export', {}, 'Prefer'],
    ['an unknown type', '/$export?_type=Patient,NotAType', { Prefer: 'respond-async' }, '_type'],
    ['an unsupported format', '/$export?_outputFormat=text/csv', { Prefer: 'respond-async' }, '_outputFormat'],
    ['an invalid tenant id', '/tenant/bad!id/$export', { Prefer: 'respond-async' }, undefined],
  ])('answers 400 with an OperationOutcome for %s, and starts nothing', async (_what, path, headers, expression) => {
    const before = await countExports();
    const response = await kickoff(path, headers as Record<string, string>);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const body = (await response.json()) as OperationOutcome;
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]?.severity).toBe('error');
    if (expression) expect(body.issue[0]?.expression).toEqual([expression]);
    expect(await countExports()).toBe(before);
  });

  it('answers 404 for a job that does not exist', async () => {
    const response = await stack.fetch(`${stack.baseUrl}/_export/00000000-0000-0000-0000-000000000000`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
  });
});

async function countExports(): Promise<number> {
  const { count } = await stack.client.workflow.count(`TaskQueue = '${stack.config.TEMPORAL_TASK_QUEUE}'`);
  return count;
}

interface CapabilityStatement {
  implementation: { url: string };
  rest: Array<{ operation: Array<{ name: string }> }>;
}

describe('service endpoints', () => {
  it('reports ready when MongoDB, S3 and Temporal answer', async () => {
    const response = await fetch(`${stack.baseUrl}/readyz`); // open: no token
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { mongodb: 'ok', s3: 'ok', temporal: 'ok' } });
  });

  it('describes itself with a CapabilityStatement listing $export', async () => {
    const response = await fetch(`${stack.baseUrl}/tenant/acme/metadata`); // open: no token
    expect(response.status).toBe(200);
    const statement = (await response.json()) as CapabilityStatement;
    expect(statement).toMatchObject({
      resourceType: 'CapabilityStatement',
      fhirVersion: suiteFhirVersion(),
      kind: 'instance',
    });
    expect(statement.implementation.url).toBe(`${stack.baseUrl}/tenant/acme`);
    expect(statement.rest[0]?.operation).toContainEqual(expect.objectContaining({ name: 'export' }));
    expect(statement.rest[0]?.operation).toContainEqual(expect.objectContaining({ name: 'import' }));
    expect(statement.rest[0]?.operation).toContainEqual(expect.objectContaining({ name: 'viewdefinition-run' }));
    expect(statement.rest[0]?.operation).toContainEqual(expect.objectContaining({ name: 'viewdefinition-export' }));
  });
});
