import { pollExportStatus } from '@fhir-bulk/export';
import { createLogger } from '@fhir-bulk/logging';
import { TransactionRunner } from '@fhir-bulk/store';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '@fhir-bulk/api/src/app';
import { createExportApi } from '@fhir-bulk/api/src/export-api';
import { createImportApi } from '@fhir-bulk/api/src/import-api';
import { createWorker } from '@fhir-bulk/worker/src/worker';
import { connectTestServices, type TestServices } from './services';

/** The API (over real HTTP on a free port) and a worker, both on the suite's own isolated services. */
export interface BulkStack extends TestServices {
  baseUrl: string;
  transactions: TransactionRunner;
  worker?: Worker;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export interface BulkStackOptions {
  /** Configuration overrides for this suite (its own database, bucket and task queue are always set). */
  env?: Record<string, string>;
  /** Run a worker in this process (default); fault tests run theirs as child processes to kill them. */
  inProcessWorker?: boolean;
}

/** The suite's services as environment variables, for a worker or API started as a child process. */
export function stackEnv(stack: Pick<BulkStack, 'config'>): Record<string, string> {
  return Object.fromEntries(Object.entries(stack.config).map(([name, value]) => [name, String(value)]));
}

export async function startBulkStack({ env = {}, inProcessWorker = true }: BulkStackOptions = {}): Promise<BulkStack> {
  if (!runtimeInstalled) {
    // The SDK's default logger prints every worker state change; tests want only problems.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const services = await connectTestServices(env);
  const { config } = services;
  const transactions = await TransactionRunner.create(services.store, services.mongo);
  const worker = inProcessWorker
    ? await createWorker({ ...services, connection: services.nativeConnection })
    : undefined;
  const running = worker?.run();

  // Listen first: the app needs its public URL, which holds the port the OS picked.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on(
    'request',
    createApp({
      logger: createLogger('api-test', 'silent'),
      exports: createExportApi(config, {
        client: services.client,
        db: services.store.db,
        objects: services.objects,
        publicBaseUrl: baseUrl,
      }),
      imports: createImportApi(config, {
        client: services.client,
        db: services.store.db,
        objects: services.objects,
      }),
      objects: services.objects,
      rest: { store: services.store, transactions },
      bodyLimitBytes: 64 * 1024,
      publicBaseUrl: baseUrl,
      readiness: {
        mongodb: () => services.mongo.db(config.MONGODB_DB).command({ ping: 1 }),
        s3: () => services.objects.ping(),
        temporal: () => services.client.connection.workflowService.getSystemInfo({}),
      },
    }),
  );
  return {
    ...services,
    baseUrl,
    transactions,
    worker,
    async stop() {
      // Jobs left running (a failed test, a killed worker) would otherwise stay in the shared Temporal forever.
      const query = `TaskQueue="${config.TEMPORAL_TASK_QUEUE}" AND ExecutionStatus="Running"`;
      for await (const execution of services.client.workflow.list({ query })) {
        await services.client.workflow
          .getHandle(execution.workflowId)
          .terminate('test suite ended')
          .catch(() => undefined);
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      worker?.shutdown();
      await running;
      await services.close();
    },
  };
}

/** Polls an export status URL until it stops answering 202 (fast: tests set no minimum poll interval). */
export const pollUntilDone = (statusUrl: string, timeoutMs = 60_000): Promise<Response> =>
  pollExportStatus(statusUrl, { intervalMs: 200, timeoutMs });
