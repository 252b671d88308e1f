import { type ExportManifest, jobPrefix, manifestKey } from '@fhir-bulk/export';
import { importKickoffBody, type ImportResult } from '@fhir-bulk/import';
import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  freePort,
  importFile,
  kickoffImport,
  type MetricSample,
  metricValue,
  pollsTaskQueue,
  pollUntilDone,
  putInput,
  scrapeMetrics,
  type ServiceProcess,
  stackEnv,
  startBulkStack,
  startService,
  testResource,
  waitFor,
} from '@fhir-bulk/test-support';

/**
 * Both services' `/metrics` on the real stack: the API in-process, the worker as its own process (main.ts: its
 * metrics port and the Temporal SDK's), scraped before and after real jobs; the counters must move by exactly
 * what the jobs did.
 */
const PATIENTS = 100;
const OBSERVATIONS = 250;

let stack: BulkStack;
let worker: ServiceProcess;
let workerMetricsUrl: string;
let sdkMetricsUrl: string;

beforeAll(async () => {
  // Several files per type: Patient in 3 (40 + 40 + 20), Observation in 3 (100 + 100 + 50).
  stack = await startBulkStack({
    inProcessWorker: false,
    env: { EXPORT_FILE_MAX_RECORDS: 'Patient=40,Observation=100', IMPORT_BATCH_SIZE: '10' },
  });
  const [workerPort, sdkPort] = [await freePort(), await freePort()];
  workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
  sdkMetricsUrl = `http://127.0.0.1:${sdkPort}/metrics`;
  worker = startService('worker', {
    ...stackEnv(stack),
    WORKER_METRICS_PORT: String(workerPort),
    TEMPORAL_METRICS_PORT: String(sdkPort),
  });
  const polling = () =>
    pollsTaskQueue(stack.client, stack.config.TEMPORAL_TASK_QUEUE, worker, ['workflow', 'activity']);
  await Promise.race([waitFor(polling, 120_000, 'the worker'), worker.crashed]);
  const seeded = (type: string, count: number, prefix: string) =>
    Array.from({ length: count }, (_, i) => ({ ...testResource(type, `${prefix}${i}`), resourceType: type }));
  await bulkLoad(stack.store, 'metrics', [
    ...seeded('Patient', PATIENTS, 'p'),
    ...seeded('Observation', OBSERVATIONS, 'o'),
  ]);
});

afterAll(async () => {
  await worker?.stop();
  await stack?.stop();
});

const scrapeApi = () => scrapeMetrics(`${stack.baseUrl}/metrics`);
const tenantBase = () => `${stack.baseUrl}/tenant/metrics`;

/** How much each of `names` (with `labels`) moved between two scrapes. */
const moved = (before: MetricSample[], after: MetricSample[], name: string, labels: Record<string, string> = {}) =>
  metricValue(after, name, labels) - metricValue(before, name, labels);

/** Kicks off an export of the tenant and returns its status URL. */
async function kickoffExport(): Promise<string> {
  const response = await stack.fetch(`${tenantBase()}/$export?_type=Patient,Observation`, {
    headers: { Prefer: 'respond-async' },
  });
  expect(response.status).toBe(202);
  return response.headers.get('content-location')!;
}

describe('an export, counted', () => {
  it('moves the API’s and the worker’s counters by what the export did', async () => {
    const [apiBefore, workerBefore] = [await scrapeApi(), await scrapeMetrics(workerMetricsUrl)];

    const statusUrl = await kickoffExport();
    const done = await pollUntilDone(statusUrl, stack.fetch, 120_000);
    expect(done.status).toBe(200);
    const manifest = (await done.json()) as ExportManifest;
    const jobId = statusUrl.split('/').pop()!;

    const [apiAfter, workerAfter] = [await scrapeApi(), await scrapeMetrics(workerMetricsUrl)];
    const job = { kind: 'export', tenant: 'metrics' };
    expect(moved(apiBefore, apiAfter, 'fhir_bulk_jobs_started_total', job)).toBe(1);
    const kickoff = { method: 'GET', route: '[base]/$export', status: '202' };
    expect(moved(apiBefore, apiAfter, 'fhir_bulk_http_request_duration_seconds_count', kickoff)).toBe(1);
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_jobs_completed_total', job)).toBe(1);
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_jobs_failed_total')).toBe(0);

    // Records and bytes by type: the seeded counts, and the sizes of the files in S3.
    const resources = (type: string) => moved(workerBefore, workerAfter, 'fhir_bulk_export_resources_total', { type });
    expect([resources('Patient'), resources('Observation')]).toEqual([PATIENTS, OBSERVATIONS]);
    const keys = (await stack.objects.list(jobPrefix('metrics', jobId))).filter(
      (key) => key !== manifestKey('metrics', jobId),
    );
    expect(keys).toHaveLength(manifest.output.length);
    expect(manifest.output).toHaveLength(6);
    const sizes = await Promise.all(keys.map(async (key) => (await stack.objects.stat(key))!.size));
    const bytes = sizes.reduce((sum, size) => sum + size, 0);
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_export_bytes_total')).toBe(bytes);
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_export_file_size_bytes_count')).toBe(6);
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_export_file_size_bytes_sum')).toBe(bytes);
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_export_partition_duration_seconds_count')).toBe(2);
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_checkpoint_resumes_total')).toBe(0);
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_activity_errors_total')).toBe(0);

    // The completed job's outputs are the tenant's storage now.
    expect(metricValue(apiAfter, 'fhir_bulk_storage_bytes', { tenant: 'metrics' })).toBe(bytes);
  });

  it('counts a cancel in the API, and neither a completion nor a failure in the worker', async () => {
    const [apiBefore, workerBefore] = [await scrapeApi(), await scrapeMetrics(workerMetricsUrl)];
    const statusUrl = await kickoffExport();
    expect((await stack.fetch(statusUrl, { method: 'DELETE' })).status).toBe(202);
    const jobId = statusUrl.split('/').pop()!;
    await stack.client.workflow
      .getHandle(jobId)
      .result()
      .catch(() => undefined);

    const [apiAfter, workerAfter] = [await scrapeApi(), await scrapeMetrics(workerMetricsUrl)];
    const job = { kind: 'export', tenant: 'metrics' };
    expect(moved(apiBefore, apiAfter, 'fhir_bulk_jobs_cancelled_total', job)).toBe(1);
    const cancel = { method: 'DELETE', route: '[base]/_export/:jobId', status: '202' };
    expect(moved(apiBefore, apiAfter, 'fhir_bulk_http_request_duration_seconds_count', cancel)).toBe(1);
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_jobs_completed_total')).toBe(0);
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_jobs_failed_total')).toBe(0);
  });
});

describe('an import, counted', () => {
  it('counts resources, bytes and bad lines by reason', async () => {
    const workerBefore = await scrapeMetrics(workerMetricsUrl);
    // 40 lines, every 10th bad: a wrong type, schema-invalid, no id, not JSON (importFile's four kinds in turn).
    const file = importFile('Patient', 40, { badEvery: 10, prefix: 'imp' });
    const url = await putInput(stack.inputs, 'metrics/patients.ndjson', file.text);
    const response = await kickoffImport(tenantBase(), stack.fetch, importKickoffBody([{ type: 'Patient', url }]));
    expect(response.status).toBe(202);
    const done = await pollUntilDone(response.headers.get('content-location')!, stack.fetch, 120_000);
    expect(done.status).toBe(200);
    expect(((await done.json()) as ImportResult).output).toBeDefined();

    const workerAfter = await scrapeMetrics(workerMetricsUrl);
    const patients = { type: 'Patient' };
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_import_resources_total', patients)).toBe(file.goodIds.length);
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_import_bytes_total', patients)).toBe(
      Buffer.byteLength(file.text),
    );
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_import_rejected_lines_total', patients)).toBe(4);
    // By the OperationOutcome's issue code: the line that is not JSON is a `structure` problem.
    const notJson = { type: 'Patient', reason: 'structure' };
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_import_rejected_lines_total', notJson)).toBeGreaterThanOrEqual(
      1,
    );
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_import_file_duration_seconds_count', patients)).toBe(1);
    const job = { kind: 'import', tenant: 'metrics' };
    expect(moved(workerBefore, workerAfter, 'fhir_bulk_jobs_completed_total', job)).toBe(1);
  });
});

describe('the Temporal SDK’s worker metrics', () => {
  it('are served on their own port: task slots, pollers, and the latency of the activities that ran', async () => {
    const samples = await scrapeMetrics(sdkMetricsUrl);
    const activitySlots = { worker_type: 'ActivityWorker', task_queue: stack.config.TEMPORAL_TASK_QUEUE };
    expect(metricValue(samples, 'temporal_worker_task_slots_available', activitySlots)).toBeGreaterThan(0);
    expect(metricValue(samples, 'temporal_num_pollers')).toBeGreaterThan(0);
    // planExport, 2 partitions and finalizeExport of the export above at least.
    const partitions = { activity_type: 'exportPartition' };
    expect(
      metricValue(samples, 'temporal_activity_execution_latency_seconds_count', partitions),
    ).toBeGreaterThanOrEqual(2);
  });
});
