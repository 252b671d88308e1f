import { type ExportManifest, jobPrefix } from '@fhir-bulk/export';
import { outputCount, pollJobStatus } from '@fhir-bulk/test-support/src/status-poll';
import type { ServerObjectStore } from '@fhir-bulk/object-store';
import type { Client } from '@temporalio/client';
import { apiBaseUrl, benchEnv } from './bench-servers';
import type { Dataset } from './dataset';
import { type Send, startApi, startWorker } from './services';
import { killWorkersAt } from './worker-kills';
import { peakRssMb, resetPeakRss } from './worker-memory';

/**
 * Status polls are this far apart, the least the API accepts by default (JOB_STATUS_MIN_INTERVAL_SECONDS), so
 * the measured time can overshoot by up to this much.
 */
export const POLL_INTERVAL_MS = 1_000;

export interface ExportJob {
  jobId: string;
  statusUrl: string;
  /** performance.now() just before the kick-off was sent. */
  started: number;
}

export interface ExportResult {
  manifest: ExportManifest;
  /** From kick-off to the 200 carrying the manifest, as a client sees it. */
  seconds: number;
}

/**
 * A Bulk Data kick-off with `Prefer: respond-async`, of `types` or with the query string given (without `?`); the
 * job id is the last segment of Content-Location.
 */
export async function kickOff(tenantBaseUrl: string, request: ExportSpec['query'], send: Send): Promise<ExportJob> {
  const query = typeof request === 'string' ? request : `_type=${request.join(',')}`;
  const started = performance.now();
  const response = await send(`${tenantBaseUrl}/$export?${query}`, {
    headers: { Prefer: 'respond-async' },
  });
  if (response.status !== 202) throw new Error(`kick-off answered ${response.status}: ${await response.text()}`);
  const statusUrl = response.headers.get('content-location');
  if (!statusUrl) throw new Error('kick-off answered 202 without Content-Location');
  return { jobId: statusUrl.slice(statusUrl.lastIndexOf('/') + 1), statusUrl, started };
}

/** Polls the status URL until it answers 200 with the manifest; any other final answer is a failure. */
export async function awaitManifest(job: ExportJob, send: Send): Promise<ExportResult> {
  const response = await pollJobStatus(job.statusUrl, { intervalMs: POLL_INTERVAL_MS, fetch: send });
  if (response.status !== 200) throw new Error(`export status answered ${response.status}: ${await response.text()}`);
  const manifest = (await response.json()) as ExportManifest;
  return { manifest, seconds: (performance.now() - job.started) / 1000 };
}

/** What an export needs beside its dataset: the servers the benchmark shares between its exports. */
export interface ExportServices {
  apiPort: number;
  objects: ServerObjectStore;
  temporal: Client;
  taskQueue: string;
}

export interface MeasuredExport extends ExportResult {
  job: ExportJob;
  /** The `fetch` of the client that started the job: only it may read the job's files. */
  send: Send;
  /** Peak RSS of the worker while it ran the export (reset after start-up), and during its start-up. */
  workerPeakRssMb: { export: number; startup: number };
  /** With `killAt`: seconds from each kill until its replacement polled, summed. */
  restartSeconds: number;
}

export interface ExportSpec {
  /** As `kickOff` takes it: the types to export, or the kick-off's query string. */
  query: readonly string[] | string;
  /** Runs once the API is ready, before the worker starts: whatever the export needs stored first. */
  prepare?: (tenantBaseUrl: string, send: Send) => Promise<void>;
  /** Through an API and worker with OBJECT_ENCRYPTION=on (a key of this run); off by default. */
  encrypted?: boolean;
  /** Worker processes polling the task queue during the export; 1 by default. */
  workers?: number;
  /** Seconds after kick-off at which the (one) worker is SIGKILLed and a fresh one started at once. */
  killAt?: readonly number[];
}

/**
 * One export of `dataset` as a client sees it, kick-off to manifest, through an API and workers started for it, so
 * the workers' peak RSS (the largest of them) is this export's own. The workers stop once the manifest is there;
 * `check` then reads the result while the API still serves the job's files, which are deleted afterwards.
 */
export async function measureExport<T>(
  services: ExportServices,
  dataset: Dataset,
  { query, prepare, encrypted = false, workers: count = 1, killAt = [] }: ExportSpec,
  check: (run: MeasuredExport) => Promise<T>,
): Promise<T> {
  if (killAt.length > 0 && count > 1) throw new Error('worker kills are staged on one worker only');
  const { tenant } = dataset;
  console.log(`${tenant}: starting the API and a worker`);
  const env = benchEnv(dataset, services.apiPort, encrypted);
  const tenantBaseUrl = `${apiBaseUrl(services.apiPort)}/tenant/${tenant}`;
  const { api, send } = await startApi(env, apiBaseUrl(services.apiPort));
  await prepare?.(tenantBaseUrl, send);
  const start = () => startWorker(env, services.temporal, services.taskQueue);
  const workers = await Promise.all(Array.from({ length: count }, start));
  const peak = () => Math.max(...workers.map((worker) => peakRssMb(worker.pid)));
  try {
    const startup = peak();
    for (const worker of workers) resetPeakRss(worker.pid);
    console.log(`${tenant}: export${count > 1 ? ` on ${count} workers` : ''}`);
    const job = await kickOff(tenantBaseUrl, query, send);
    const kills = killWorkersAt(workers[0]!, start, { started: job.started, killAt, job: `${tenant} export` });
    try {
      const crashed = [...workers.map((worker) => worker.crashed), api.crashed, kills.crashed];
      const { manifest, seconds } = await Promise.race([awaitManifest(job, send), ...crashed]);
      kills.finish();
      await kills.done;
      workers[0] = kills.worker;
      const workerPeakRssMb = { export: peak(), startup };
      await Promise.all(workers.map((worker) => worker.stop()));
      const restartSeconds = kills.restartSeconds;
      return await check({ job, send, manifest, seconds, workerPeakRssMb, restartSeconds });
    } finally {
      kills.finish();
      kills.done.catch(() => undefined); // the export failed first: that is the error to report
      await services.objects.deletePrefix(jobPrefix(tenant, job.jobId));
    }
  } finally {
    await Promise.all([...workers.map((worker) => worker.stop()), api.stop()]);
  }
}

/** Throws unless the manifest's output files hold `resources` resources in all. */
export function checkExported(tenant: string, manifest: ExportManifest, resources: number): void {
  const exported = outputCount(manifest);
  if (exported !== resources) throw new Error(`${tenant}: the manifest counts ${exported} resources, not ${resources}`);
}
