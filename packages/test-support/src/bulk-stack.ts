import { createLogger } from '@fhir-bulk/logging';
import { TransactionRunner } from '@fhir-bulk/store';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '@fhir-bulk/api/src/app';
import { TemporalExportJobs } from '@fhir-bulk/api/src/temporal-export-jobs';
import { createWorker } from '@fhir-bulk/worker/src/worker';
import { connectTestServices, type TestServices } from './services';

/** The API (over real HTTP on a free port) and a worker, both on the suite's own isolated services. */
export interface BulkStack extends TestServices {
  baseUrl: string;
  transactions: TransactionRunner;
  worker: Worker;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startBulkStack(): Promise<BulkStack> {
  if (!runtimeInstalled) {
    // The SDK's default logger prints every worker state change; tests want only problems.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const services = await connectTestServices();
  const { config } = services;
  const transactions = await TransactionRunner.create(services.store, services.mongo);
  const worker = await createWorker({ ...services, connection: services.nativeConnection });
  const running = worker.run();

  // Listen first: the app needs its public URL, which holds the port the OS picked.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on(
    'request',
    createApp({
      logger: createLogger('api-test', 'silent'),
      jobs: new TemporalExportJobs(services.client, config.TEMPORAL_TASK_QUEUE),
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
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      worker.shutdown();
      await running;
      await services.close();
    },
  };
}

/** Polls an export status URL until it stops answering 202; returns the final response. */
export async function pollUntilDone(statusUrl: string, timeoutMs = 60_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(statusUrl);
    if (response.status !== 202) return response;
    if (Date.now() > deadline) throw new Error(`export still running after ${timeoutMs} ms: ${statusUrl}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
