import { loadConfig } from '@fhir-bulk/config';
import { createLogger } from '@fhir-bulk/logging';
import { objectStoreFromConfig } from '@fhir-bulk/object-store';
import { connectMongo, ResourceStore } from '@fhir-bulk/store';
import { NativeConnection } from '@temporalio/worker';
import { createWorker } from './worker';

/** Worker process: polls the task queue until SIGINT/SIGTERM, then finishes its activities' current step. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  const mongo = await connectMongo(config.MONGODB_URL);
  const objects = objectStoreFromConfig(config);
  await objects.ensureBucket();
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const store = new ResourceStore(mongo.db(config.MONGODB_DB));
    const worker = await createWorker({ connection, config, store, objects });
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
