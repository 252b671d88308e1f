import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  freePort,
  pollsTaskQueue,
  pollUntilDone,
  registerBulkClient,
  type ServiceProcess,
  stackEnv,
  startBulkStack,
  startService,
  type TestClient,
  waitFor,
} from '@fhir-bulk/test-support';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One grep follows a job across both services: the API and a worker run as their own processes at LOG_LEVEL=info,
 * their output captured, and an export is kicked off with a chosen X-Request-Id through real SMART tokens. Every
 * line is JSON; the kick-off's lines carry the request id, the worker's lines about the job its id, tenant, kind and
 * that request id, partitions their type; no line holds the token or a patient's name.
 */
const TENANT = 'logs';
const FAMILY = 'Quibblethwaite';
const REQUEST_ID = `log-correlation-${Date.now()}`;
let stack: BulkStack;
let api: ServiceProcess;
let worker: ServiceProcess;
let client: TestClient;
let baseUrl: string;
const logDir = mkdtempSync(join(tmpdir(), 'log-correlation-'));
const logFiles = { api: join(logDir, 'api.log'), worker: join(logDir, 'worker.log') };

type Line = Record<string, unknown>;

/** Every line of a service's output, each parsed as JSON (a line that is not JSON fails the test). */
function linesOf(file: string): Line[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      try {
        return JSON.parse(line) as Line;
      } catch {
        throw new Error(`${file} holds a line that is not JSON: ${line}`);
      }
    });
}

let jobId: string;
let token: string;
let echoed: string | null;
let generated: string | null;

beforeAll(async () => {
  stack = await startBulkStack({ inProcessWorker: false });
  await bulkLoad(
    stack.store,
    TENANT,
    Array.from({ length: 5 }, (_, i) => ({
      resourceType: 'Patient',
      id: `p${i}`,
      name: [{ family: FAMILY, given: [`Ottoline${i}`] }],
    })),
  );
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // Node's own warnings (the AWS SDK's about Node versions) are plain text on stderr: not the services' lines.
  const env = { ...stackEnv(stack), NODE_NO_WARNINGS: '1' };
  api = startService(
    'api',
    { ...env, API_PORT: String(port), PUBLIC_BASE_URL: baseUrl },
    {
      logFile: logFiles.api,
      logLevel: 'info',
    },
  );
  worker = startService('worker', env, { logFile: logFiles.worker, logLevel: 'info' });
  await waitFor(async () => (await fetch(`${baseUrl}/healthz`).catch(() => undefined))?.ok === true, 60_000, 'the API');
  await waitFor(
    () => pollsTaskQueue(stack.client, stack.config.TEMPORAL_TASK_QUEUE, worker, ['workflow', 'activity']),
    90_000,
    'the worker',
  );

  client = await registerBulkClient(baseUrl, stack.adminToken);
  token = await client.http.token();
  const kickoff = await client.http.fetch(`${baseUrl}/tenant/${TENANT}/$export?_type=Patient`, {
    headers: { Prefer: 'respond-async', 'X-Request-Id': REQUEST_ID },
  });
  expect(kickoff.status).toBe(202);
  echoed = kickoff.headers.get('x-request-id');
  const statusUrl = kickoff.headers.get('content-location')!;
  jobId = statusUrl.split('/').pop()!;
  expect((await pollUntilDone(statusUrl, client.http.fetch, 90_000)).status).toBe(200);
  const refused = await client.http.fetch(`${baseUrl}/tenant/${TENANT}/_jobs`, {
    headers: { 'X-Request-Id': 'not <a> valid id' },
  });
  generated = refused.headers.get('x-request-id');
  // Stopped, so everything they logged is written out.
  await Promise.all([api.stop(), worker.stop()]);
}, 240_000);

afterAll(async () => {
  await Promise.all([api?.kill(), worker?.kill()]);
  await stack.stop();
});

describe('log correlation across the API and the worker', () => {
  it('echoes the caller’s X-Request-Id, and replaces one that is not plain', () => {
    expect(echoed).toBe(REQUEST_ID);
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes the kick-off’s lines with its request id: the request and the job it started', () => {
    const lines = linesOf(logFiles.api).filter((line) => line.requestId === REQUEST_ID);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'job started', jobId, tenant: TENANT, kind: 'export', service: 'api' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        req: { method: 'GET', path: `/tenant/${TENANT}/$export` },
        res: { statusCode: 202 },
      }),
    );
  });

  it('writes the worker’s lines about the job with its id, tenant, kind and the kick-off’s request id', () => {
    const lines = linesOf(logFiles.worker).filter((line) => line.jobId === jobId);
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['export planned', 'export partition done', 'export completed']),
    );
    for (const line of lines) {
      expect(line).toMatchObject({ service: 'worker', tenant: TENANT, kind: 'export', requestId: REQUEST_ID });
    }
  });

  it('says which partition an activity’s line is about', () => {
    const partition = linesOf(logFiles.worker).find(
      (line) => line.jobId === jobId && line.msg === 'export partition done',
    );
    expect(partition).toMatchObject({
      activityType: 'exportPartition',
      type: 'Patient',
      partition: 0,
      records: 5,
      files: 1,
    });
  });

  it('writes the Temporal SDK’s lines as the same JSON lines', () => {
    const sdk = linesOf(logFiles.worker).filter((line) => line.component === 'temporal');
    expect(sdk.length).toBeGreaterThan(0);
    for (const line of sdk) expect(line).toMatchObject({ service: 'worker', time: expect.any(String) });
    expect(sdk.some((line) => line.workflowType === 'exportWorkflow')).toBe(true);
  });

  it('logs neither the access token nor patient data', () => {
    const text = [logFiles.api, logFiles.worker].map((file) => readFileSync(file, 'utf8')).join('\n');
    expect(text).toContain(jobId);
    expect(text).not.toContain(token);
    expect(text).not.toContain(FAMILY);
    expect(text).not.toContain('Ottoline');
  });
});
