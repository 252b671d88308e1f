import { pollJobStatus } from './status-poll';
import { AuditTrail, storeAuditSink } from '@fhir-bulk/audit';
import { createLogger } from '@fhir-bulk/logging';
import { newRegistry, WorkerMetrics } from '@fhir-bulk/metrics';
import { TransactionRunner } from '@fhir-bulk/store';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackendServicesClient, ClientRegistration } from '@fhir-bulk/auth';
import { createApiMetrics } from '@fhir-bulk/api/src/api-metrics';
import { createApp } from '@fhir-bulk/api/src/app';
import { createAuthApi } from '@fhir-bulk/api/src/auth-api';
import { answerClientErrors } from '@fhir-bulk/api/src/client-errors';
import { createExportApi } from '@fhir-bulk/api/src/export-api';
import { createImportApi } from '@fhir-bulk/api/src/import-api';
import { createJobListApi } from '@fhir-bulk/api/src/job-list-api';
import { viewRunBudget } from '@fhir-bulk/api/src/view-run-budget';
import { SdkLogger } from '@fhir-bulk/worker/src/sdk-logger';
import { type RunningWorkers, runWorkers } from '@fhir-bulk/worker/src/worker';
import { prebuiltWorkflowBundle } from '@fhir-bulk/worker/src/workflow-bundle';
import { registerBulkClient, type TestClient } from './bulk-client';
import { waitFor } from './processes';
import { connectTestServices, type TestServices } from './services';

/** The API (over real HTTP on a free port) and a worker, both on the suite's own isolated services. */
export interface BulkStack extends TestServices {
  baseUrl: string;
  /** The API's HTTP server: a test may watch the requests it receives (`server.on('request', …)`). */
  server: Server;
  transactions: TransactionRunner;
  /** The API's audit trail: `flush()` writes the events queued so far, so a test can read them from the store. */
  audit: AuditTrail;
  workers?: RunningWorkers;
  /**
   * The suite's own client, registered through the API like any bulk client: every scope (`system/*.*`),
   * every tenant, `bulk-export/read`, `bulk-import/write` and `audit/read`, but not `admin`.
   */
  auth: TestClient;
  /** `fetch` as that client: each request carries its current access token. */
  fetch: BackendServicesClient['fetch'];
  /** Registers another client (defaults as `client`'s, overridden by `registration`). */
  registerClient(registration?: Partial<ClientRegistration>, scope?: string): Promise<TestClient>;
  /** The administrator's credential (AUTH_ADMIN_TOKEN) of this stack. */
  adminToken: string;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * What in-process workers logged at WARN or above (the SDK's and activities' `context.log`), newest last, so a test
 * can assert that a problem was logged; printed as JSON lines too, as the worker prints them.
 */
export const workerWarnings: Array<{ level: LogLevel; message: string; meta?: LogMetadata }> = [];

class CapturingLogger extends SdkLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (level === 'WARN' || level === 'ERROR') workerWarnings.push({ level, message, ...(meta ? { meta } : {}) });
    super.log(level, message, meta);
  }
}

export interface BulkStackOptions {
  /** Configuration overrides for this suite (its own database, bucket and task queue are always set). */
  env?: Record<string, string>;
  /** Run a worker in this process (default); fault tests run theirs as child processes to kill them. */
  inProcessWorker?: boolean;
}

/** The suite's services as environment variables, for a worker or API started as a child process. */
export function stackEnv(stack: Pick<BulkStack, 'config'>): Record<string, string> {
  return Object.fromEntries(Object.entries(stack.config).map(([name, value]) => [name, envValue(value)]));
}

/** A setting as the config module reads it: lists comma-separated, maps (of values or lists) as `key=item` pairs. */
function envValue(value: unknown): string {
  if (!(value instanceof Map)) return String(value);
  return [...(value as Map<string, string | string[]>)]
    .flatMap(([key, items]) => (Array.isArray(items) ? items : [items]).map((item) => `${key}=${item}`))
    .join(',');
}

/** An in-process worker's connection and workflows: the bundle jest's global setup prebuilt, when it is fresh. */
async function workerWiring(services: TestServices) {
  const prebuilt = await prebuiltWorkflowBundle();
  return { connection: services.nativeConnection, ...('code' in prebuilt ? { workflowBundle: prebuilt } : {}) };
}

export async function startBulkStack({ env = {}, inProcessWorker = true }: BulkStackOptions = {}): Promise<BulkStack> {
  if (!runtimeInstalled) {
    // The SDK's default logger prints every worker state change; tests want only problems.
    Runtime.install({ logger: new CapturingLogger(createLogger('worker-test', 'warn')) });
    runtimeInstalled = true;
  }
  const services = await connectTestServices(env);
  const { config, client: temporal } = services;
  const transactions = await TransactionRunner.create(services.store, services.mongo);
  const workers = inProcessWorker
    ? await runWorkers({ ...services, ...(await workerWiring(services)), metrics: new WorkerMetrics(newRegistry()) })
    : undefined;

  // Listen first: the app needs its public URL, which holds the port the OS picked.
  const server = createServer();
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logger = createLogger('api-test', 'silent');
  const audit = new AuditTrail({ sink: storeAuditSink(services.store), log: logger });
  // Storage held is read at every scrape: a test checks it right after a job completes.
  const metrics = createApiMetrics(services.store.db, 0);
  server.on(
    'request',
    createApp({
      logger,
      audit,
      metrics,
      auth: createAuthApi(config, { db: services.store.db, publicBaseUrl: baseUrl, logger }),
      exports: createExportApi(config, {
        client: temporal,
        db: services.store.db,
        objects: services.objects,
        metrics,
        publicBaseUrl: baseUrl,
      }),
      imports: createImportApi(config, {
        client: temporal,
        db: services.store.db,
        objects: services.objects,
        metrics,
      }),
      jobList: createJobListApi(config, services.store.db),
      rest: { store: services.store, transactions, viewRunBudget: viewRunBudget(config) },
      tenantVersions: services.store.tenantVersions,
      bodyLimitBytes: 64 * 1024,
      publicBaseUrl: baseUrl,
      readiness: {
        mongodb: () => services.mongo.db(config.MONGODB_DB).command({ ping: 1 }),
        s3: () => services.objects.ping(),
        temporal: () => temporal.connection.workflowService.getSystemInfo({}),
      },
    }),
  );
  const newClient = (registration?: Partial<ClientRegistration>, scope?: string) =>
    registerBulkClient(baseUrl, config.AUTH_ADMIN_TOKEN!, registration, scope);
  const auth = await newClient();
  return {
    ...services,
    baseUrl,
    server,
    transactions,
    audit,
    workers,
    auth,
    fetch: auth.http.fetch,
    registerClient: newClient,
    adminToken: config.AUTH_ADMIN_TOKEN!,
    async stop() {
      // Jobs left running (a failed test, a killed worker) would otherwise stay in the shared Temporal forever.
      const query = `TaskQueue="${config.TEMPORAL_TASK_QUEUE}" AND ExecutionStatus="Running"`;
      for await (const execution of temporal.workflow.list({ query })) {
        await temporal.workflow
          .getHandle(execution.workflowId)
          .terminate('test suite ended')
          .catch(() => undefined);
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await audit.close();
      workers?.shutdown();
      await workers?.done;
      await services.close();
    },
  };
}

/**
 * Polls an export status URL until it stops answering 202 (fast: tests set no minimum poll interval), sending
 * requests with `send` (a stack's `fetch`, with its client's token).
 */
export const pollUntilDone = (
  statusUrl: string,
  send: (url: string) => Promise<Response>,
  timeoutMs = 60_000,
): Promise<Response> => pollJobStatus(statusUrl, { intervalMs: 200, timeoutMs, fetch: send });

/**
 * Polls a running job's status until its `X-Progress` passes `wanted` and returns that header; every poll must
 * answer 202 (still running). Progress details come from a query the worker answers, so a poll it misses within the
 * API's deadline says just "In progress": callers wait for the details they assert on.
 */
export async function pollProgressUntil(
  statusUrl: string,
  send: (url: string) => Promise<Response>,
  wanted: (progress: string) => boolean,
  timeoutMs: number,
  what: string,
): Promise<string> {
  let progress = '';
  await waitFor(
    async () => {
      const polled = await send(statusUrl);
      if (polled.status !== 202) throw new Error(`${statusUrl} answered ${polled.status} while waiting for ${what}`);
      progress = polled.headers.get('x-progress') ?? '';
      return wanted(progress);
    },
    timeoutMs,
    what,
  );
  return progress;
}
