import { z } from 'zod';

/**
 * Every environment variable the services read, validated in one place so a bad value stops start-up with a
 * message naming the variable, instead of failing later deep inside a driver. Defaults point at the local stack
 * that `infra/stack.sh` starts; any service can be replaced by setting its variables.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const port = z.coerce.number().int().min(0).max(65535);
const url = z.url();

const schema = z.object({
  MONGODB_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .default('mongodb://127.0.0.1:27017/'),
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and - only')
    .default('fhirbulk'),

  S3_ENDPOINT: url.default('http://127.0.0.1:7070'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).default('fhirbulk'),
  S3_SECRET_ACCESS_KEY: z.string().min(1).default('fhirbulk-secret'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
    .default('fhir-bulk'),
  S3_FORCE_PATH_STYLE: bool.default(true),
  /** Server-side encryption asked of S3 for every object ("none" for stores that reject the header). */
  S3_SSE: z.enum(['AES256', 'aws:kms', 'none']).default('AES256'),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('bulk'),
  TEMPORAL_UI_URL: url.default('http://127.0.0.1:8233'),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(8080),
  /** The URL clients use to reach the API; manifests and Content-Location headers are built from it. */
  PUBLIC_BASE_URL: url.default('http://127.0.0.1:8080'),

  /** Request bodies above this many bytes are refused with 413 (transaction Bundles are the big ones). */
  API_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),

  /** How many export activities one worker runs at once. */
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(256).default(4),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration from `env` (process.env by default); empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}=${JSON.stringify(present[String(i.path[0])])}: ${i.message}`),
    );
  }
  return parsed.data;
}
