import type { BackendServicesClient } from '@fhir-bulk/auth';
import { registerBulkClient } from '@fhir-bulk/test-support/src/bulk-client';
import {
  pollsTaskQueue,
  REPO_ROOT,
  type ServiceProcess,
  startService,
  waitFor,
} from '@fhir-bulk/test-support/src/processes';
import { buildWorkflowBundle } from '@fhir-bulk/worker/src/workflow-bundle';
import type { Client } from '@temporalio/client';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The API and the worker bundle and connect at start; on this 2-core machine that can take a while. */
const READY_TIMEOUT_MS = 180_000;
const READY_POLL_MS = 250;

/** Beside the local stack's own logs (infra/stack.sh): the Temporal SDK logs at INFO whatever LOG_LEVEL says. */
const LOG_DIR = join(process.env.FHIR_BULK_DATA_DIR ?? join(REPO_ROOT, '.data'), 'logs');

/** Every service still running, so an error or Ctrl-C never leaves one behind. */
const running = new Set<ServiceProcess>();

/** Starts the API or a worker, its output in .data/logs/bench-<app>.log. */
function startBenchService(app: 'api' | 'worker', env: NodeJS.ProcessEnv): ServiceProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  const service = startService(app, env, { logFile: join(LOG_DIR, `bench-${app}.log`) });
  running.add(service);
  void service.exited.then(() => running.delete(service));
  return service;
}

export async function stopServices(): Promise<void> {
  await Promise.all([...running].map((service) => service.stop()));
}

/** Last resort on process exit, where nothing asynchronous runs any more. */
export function killServices(): void {
  for (const service of running) void service.kill();
}

/** How the benchmark sends requests to its API: a registered client's `fetch`, which adds its access token. */
export type Send = BackendServicesClient['fetch'];

/**
 * Starts the API and returns once GET /readyz answers 200 (Mongo, S3 and Temporal all reachable), with a client
 * registered there (with env's AUTH_ADMIN_TOKEN) whose `fetch` carries its tokens.
 */
export async function startApi(env: NodeJS.ProcessEnv, baseUrl: string): Promise<{ api: ServiceProcess; send: Send }> {
  const api = startBenchService('api', env);
  await until(api, async () => (await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.status === 200);
  return { api, send: await registerBenchClient(baseUrl, env.AUTH_ADMIN_TOKEN ?? '') };
}

/**
 * A client that may export and import in every tenant of the benchmark's API. Its first token is fetched here, so
 * no measured time includes it; renewals (30 s before each token expires) take milliseconds.
 */
async function registerBenchClient(baseUrl: string, adminToken: string): Promise<Send> {
  const { http } = await registerBulkClient(baseUrl, adminToken, {
    client_name: 'benchmark',
    permissions: ['bulk-export/read', 'bulk-import/write'],
  });
  await http.token();
  return http.fetch;
}

/**
 * Starts a worker and returns once it polls both the workflow and the activity task queue: a kick-off sent earlier
 * would count the worker's start-up (it compiles the resource schema) as export time.
 */
export async function startWorker(env: NodeJS.ProcessEnv, client: Client, taskQueue: string): Promise<ServiceProcess> {
  // Metrics on a free port and the SDK's off: several workers (--workers N) and a dev worker share this host.
  const ports = { WORKER_METRICS_PORT: '0', TEMPORAL_METRICS_PORT: '0' };
  const worker = startBenchService('worker', { ...env, ...ports, WORKER_WORKFLOW_BUNDLE: await workflowBundle() });
  await until(worker, () => pollsTaskQueue(client, taskQueue, worker, ['workflow', 'activity']));
  return worker;
}

let bundle: Promise<string> | undefined;

/** The workflows bundled once per benchmark run, as `npm start` does: no worker start includes bundling. */
function workflowBundle(): Promise<string> {
  bundle ??= buildWorkflowBundle(join(tmpdir(), 'fhir-bulk-bench-workflows.js'));
  return bundle;
}

/** Waits until `ready`, failing at once if the service dies meanwhile. */
async function until(service: ServiceProcess, ready: () => Promise<boolean>): Promise<void> {
  // The wait ends when the service dies too: the race has then already failed on `crashed`.
  const polled = waitFor(
    async () => !service.alive || (await ready()),
    READY_TIMEOUT_MS,
    `${service.name} to be ready`,
    READY_POLL_MS,
  );
  await Promise.race([polled, service.crashed]);
}
