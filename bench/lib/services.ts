import { BackendServicesClient, generateClientKeyPair, registerClient } from '@fhir-bulk/auth';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildWorkflowBundle } from '../../apps/worker/src/build-workflow-bundle';
import { ServiceProcess } from './service-process';

/** The API and the worker bundle and connect at start; on this 2-core machine that can take a while. */
const READY_TIMEOUT_MS = 180_000;
const READY_POLL_MS = 250;

/** A port nothing listens on now, for the benchmark's own API (a dev API may hold 8080). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** How the benchmark sends requests to its API: a registered client's `fetch`, which adds its access token. */
export type Send = BackendServicesClient['fetch'];

/**
 * Starts the API and returns once GET /readyz answers 200 (Mongo, S3 and Temporal all reachable), with a client
 * registered there (with env's AUTH_ADMIN_TOKEN) whose `fetch` carries its tokens.
 */
export async function startApi(env: NodeJS.ProcessEnv, baseUrl: string): Promise<{ api: ServiceProcess; send: Send }> {
  const api = ServiceProcess.start('api', 'apps/api/src/main.ts', env);
  await until(api, async () => (await fetch(`${baseUrl}/readyz`).catch(() => undefined))?.status === 200);
  return { api, send: await registerBenchClient(baseUrl, env.AUTH_ADMIN_TOKEN ?? '') };
}

/**
 * A client that may export and import in every tenant of the benchmark's API. Its first token is fetched here, so
 * no measured time includes it; renewals (30 s before each token expires) take milliseconds.
 */
async function registerBenchClient(baseUrl: string, adminToken: string): Promise<Send> {
  const keys = await generateClientKeyPair();
  const scope = 'system/*.*';
  const { client_id } = await registerClient(baseUrl, adminToken, {
    client_name: 'benchmark',
    jwks: { keys: [keys.publicJwk] },
    scope,
    permissions: ['bulk-export/read', 'bulk-import/write'],
    tenants: ['*'],
  });
  const client = new BackendServicesClient({
    clientId: client_id,
    tokenUrl: `${baseUrl}/auth/token`,
    privateJwk: keys.privateJwk,
    scope,
  });
  await client.token();
  return client.fetch;
}

/**
 * Starts a worker and returns once it polls both the workflow and the activity task queue: a kick-off sent earlier
 * would count the worker's start-up (it compiles the resource schema) as export time. The poller is recognised by
 * the Temporal SDK's default identity, `<pid>@<hostname>`, so pollers of an earlier worker do not count.
 */
export async function startWorker(env: NodeJS.ProcessEnv, client: Client, taskQueue: string): Promise<ServiceProcess> {
  const worker = ServiceProcess.start('worker', 'apps/worker/src/main.ts', {
    ...env,
    WORKER_WORKFLOW_BUNDLE: await workflowBundle(),
  });
  const identity = `${worker.pid}@${hostname()}`;
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
  const polls = async (taskQueueType: temporal.api.enums.v1.TaskQueueType) => {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType,
    });
    return pollers.some((poller) => poller.identity === identity);
  };
  await until(worker, async () => (await polls(TASK_QUEUE_TYPE_WORKFLOW)) && (await polls(TASK_QUEUE_TYPE_ACTIVITY)));
  return worker;
}

let bundle: Promise<string> | undefined;

/** The workflows bundled once per benchmark run, as `npm start` does: no worker start includes bundling. */
function workflowBundle(): Promise<string> {
  bundle ??= buildWorkflowBundle(join(tmpdir(), 'fhir-bulk-bench-workflows.js'));
  return bundle;
}

async function until(service: ServiceProcess, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const poll = async () => {
    // Ends when the service dies too: the race below has then already failed on `crashed`.
    while (service.alive && !(await ready())) {
      if (Date.now() > deadline) throw new Error(`${service.name} not ready after ${READY_TIMEOUT_MS / 1000} s`);
      await sleep(READY_POLL_MS);
    }
  };
  await Promise.race([poll(), service.crashed]);
}
