import { type Config, loadConfig } from '@fhir-bulk/config';
import { objectStoreFromConfig } from '@fhir-bulk/object-store';
import { connectMongo } from '@fhir-bulk/store';
import { ensureLocalStack } from '@fhir-bulk/test-support/src/local-stack';
import { freePort } from '@fhir-bulk/test-support/src/processes';
import { Client, Connection } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';
import type { Dataset } from './dataset';
import type { ExportServices } from './export-client';
import { stopServices } from './services';
import { terminateStaleJobs } from './stale-jobs';

export const apiBaseUrl = (apiPort: number) => `http://127.0.0.1:${apiPort}`;

/** The administrator's credential of the benchmark's own APIs: new for each run, known to nothing else. */
const ADMIN_TOKEN = randomBytes(32).toString('hex');
/** The master key of the exports measured with OBJECT_ENCRYPTION=on: new for each run, as its data is. */
const ENCRYPTION_KEYS = `bench:${randomBytes(32).toString('base64')}`;

/**
 * The environment of the API and worker measuring one dataset, kept apart from dev data: its own database, task
 * queue and bucket. These win over the caller's environment, so a shell with MONGODB_DB=fhirbulk exported cannot
 * point the benchmark at dev data; servers' addresses and credentials still come from it. Authorization is on, as
 * deployed: the benchmark registers a client with its own administrator credential and measures with its tokens.
 * Application encryption is off unless `encrypted` (so a shell where `npm start` exported it does not skew a plain
 * measurement).
 */
export function benchEnv(dataset: Dataset, apiPort: number, encrypted = false): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MONGODB_DB: dataset.database,
    TEMPORAL_TASK_QUEUE: 'bench',
    S3_BUCKET: 'fhir-bulk-bench',
    LOG_LEVEL: 'warn',
    API_PORT: String(apiPort),
    PUBLIC_BASE_URL: apiBaseUrl(apiPort),
    AUTH_MODE: 'smart',
    AUTH_ADMIN_TOKEN: ADMIN_TOKEN,
    OBJECT_ENCRYPTION: encrypted ? 'on' : 'off',
    OBJECT_ENCRYPTION_KEYS: encrypted ? ENCRYPTION_KEYS : '',
  };
}

/** The servers a benchmark talks to itself, beside the API and worker it starts with `env`. */
export interface BenchServers extends ExportServices {
  env: NodeJS.ProcessEnv;
  config: Config;
  mongo: MongoClient;
  /** Stops the API and worker the benchmark started, if any are left, and closes the connections. */
  close(): Promise<void>;
}

/**
 * Starts the local stack unless it answers, picks a free port for the benchmark's API (a dev API may hold 8080),
 * connects to MongoDB, S3 and Temporal as `dataset`'s API and worker will, and terminates the jobs of `kinds` that
 * an aborted run left on the benchmark's task queue.
 */
export async function connectBenchServers(
  dataset: Dataset,
  kinds: ReadonlyArray<'export' | 'import'>,
): Promise<BenchServers> {
  ensureLocalStack();
  const apiPort = await freePort();
  const env = benchEnv(dataset, apiPort);
  const config = loadConfig(env);
  const mongo = await connectMongo(config.MONGODB_URL);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const servers: BenchServers = {
    apiPort,
    env,
    config,
    mongo,
    objects: objectStoreFromConfig(config),
    temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    async close() {
      await stopServices();
      await connection.close();
      await mongo.close();
    },
  };
  for (const kind of kinds) await terminateStaleJobs(servers.temporal, servers.taskQueue, kind);
  return servers;
}
