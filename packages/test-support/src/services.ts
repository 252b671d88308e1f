import { type Config, loadConfig } from '@fhir-bulk/config';
import { objectStoreFromConfig, type S3ObjectStore, type ServerObjectStore } from '@fhir-bulk/object-store';
import { connectMongo, ResourceStore, tenantVersionSettings } from '@fhir-bulk/store';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';

/**
 * Connections to the real local stack, isolated per test suite: each suite gets its own database, bucket and
 * task queue, so suites run in parallel, and a developer's own worker on the `bulk` queue never takes our tasks.
 */
export interface TestServices {
  config: Config;
  mongo: MongoClient;
  store: ResourceStore;
  objects: ServerObjectStore;
  /** The suite's bucket of import inputs (`s3://test-…-in/key`), the only one its imports may read. */
  inputs: S3ObjectStore;
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

/** `env` overrides configuration for this suite (e.g. small EXPORT_FILE_MAX_RECORDS to get many files). */
export async function connectTestServices(env: Record<string, string> = {}): Promise<TestServices> {
  const suffix = randomBytes(4).toString('hex');
  const config = loadConfig({
    ...process.env,
    MONGODB_DB: `test_${suffix}`,
    S3_BUCKET: `test-${suffix}`,
    IMPORT_S3_BUCKETS: `test-${suffix}-in`,
    TEMPORAL_TASK_QUEUE: `test-${suffix}`,
    LOG_LEVEL: 'silent',
    // Tests poll fast; the suite that checks the 429 sets its own interval.
    JOB_STATUS_MIN_INTERVAL_SECONDS: '0',
    // Every poll sees the job as it is now (a shared lookup can be a second old); route tests cover the sharing.
    JOB_STATUS_SHARE_SECONDS: '0',
    // Workers stopped with activities still running cancel them at once, as before the grace time existed: suites
    // end sooner. The drain test sets its own.
    WORKER_SHUTDOWN_GRACE_SECONDS: '0',
    // Secure by default in tests too: every request goes through a registered client's real tokens.
    AUTH_MODE: 'smart',
    AUTH_ADMIN_TOKEN: randomBytes(32).toString('hex'),
    // Workers started as child processes (stackEnv) serve metrics on free ports, so suites running at once never
    // collide; the SDK's own exporter stays off unless a suite asks for it.
    WORKER_METRICS_PORT: '0',
    TEMPORAL_METRICS_PORT: '0',
    ...env,
  });
  const mongo = await connectMongo(config.MONGODB_URL);
  const db = mongo.db(config.MONGODB_DB);
  const objects = objectStoreFromConfig(config);
  await objects.ensureBucket();
  const inputs = objects.inBucket(config.IMPORT_S3_BUCKETS[0]!);
  await inputs.ensureBucket();
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  return {
    config,
    mongo,
    store: new ResourceStore(db, undefined, { tenantVersions: tenantVersionSettings(config) }),
    objects,
    inputs,
    client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    nativeConnection,
    async close() {
      for (const bucket of [objects, inputs]) {
        await bucket.deletePrefix('');
        await bucket.deleteBucket();
      }
      await db.dropDatabase();
      await Promise.all([mongo.close(), connection.close(), nativeConnection.close()]);
    },
  };
}
