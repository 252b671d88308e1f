import { randomBytes } from 'node:crypto';
import type { Dataset } from './dataset';

export const apiBaseUrl = (apiPort: number) => `http://127.0.0.1:${apiPort}`;

/** The administrator's credential of the benchmark's own APIs: new for each run, known to nothing else. */
const ADMIN_TOKEN = randomBytes(32).toString('hex');

/**
 * The environment of the API and worker measuring one dataset, kept apart from dev data: its own database, task
 * queue and bucket. These win over the caller's environment, so a shell with MONGODB_DB=fhirbulk exported cannot
 * point the benchmark at dev data; servers' addresses and credentials still come from it. Authorization is on, as
 * deployed: the benchmark registers a client with its own administrator credential and measures with its tokens.
 */
export function benchEnv(dataset: Dataset, apiPort: number): NodeJS.ProcessEnv {
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
  };
}
