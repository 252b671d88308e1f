import { loadConfig } from '@fhir-bulk/config';
import { createLogger } from '@fhir-bulk/logging';
import { objectStoreFromConfig } from '@fhir-bulk/object-store';
import { connectMongo, ResourceStore } from '@fhir-bulk/store';
import { warmUpSchema } from '@fhir-bulk/validation';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ensureRetentionSchedule } from './retention-schedule';
import { createWorker } from './worker';

/** The Temporal SDK's own log level for ours (it has no fatal and no silent). */
const SDK_LOG_LEVEL = {
  fatal: 'ERROR',
  error: 'ERROR',
  warn: 'WARN',
  info: 'INFO',
  debug: 'DEBUG',
  trace: 'TRACE',
  silent: 'ERROR',
} as const;

/** Worker process: polls the task queue until SIGINT/SIGTERM, then finishes its activities' current step. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  Runtime.install({ logger: new DefaultLogger(SDK_LOG_LEVEL[config.LOG_LEVEL]) });
  const mongo = await connectMongo(config.MONGODB_URL);
  const objects = objectStoreFromConfig(config);
  await objects.ensureBucket();
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const store = new ResourceStore(mongo.db(config.MONGODB_DB));
    // Validators loaded (~0.5 s; compiled, 3-7 s, where no earlier process cached them) before polling, not by the
    // first import batch: a worker started to replace a dead one takes over its files at once.
    warmUpSchema();
    const workflowBundle = config.WORKER_WORKFLOW_BUNDLE ? { codePath: config.WORKER_WORKFLOW_BUNDLE } : undefined;
    const worker = await createWorker({ connection, config, store, objects, workflowBundle });
    const client = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }) });
    await ensureRetentionSchedule(client, config.TEMPORAL_TASK_QUEUE);
    await client.connection.close();
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS }, 'worker started');
    await worker.run();
  } finally {
    await connection.close();
    await mongo.close();
  }
  logger.info('worker stopped');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
