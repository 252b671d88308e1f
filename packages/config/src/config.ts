import { FHIR_VERSIONS, type FhirVersion, isFhirVersion } from '@fhir-bulk/fhir';
import { z } from 'zod';
import { masterKeyProblem } from './master-keys';
import { withRenamedSettings } from './renamed-settings';

/**
 * Every environment variable the services read, validated in one place so a bad value stops start-up with a
 * message naming the variable, instead of failing later deep inside a driver. Defaults point at the local stack
 * that `infra/stack.sh` starts; any service can be replaced by setting its variables.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const port = z.coerce.number().int().min(0).max(65535);
const url = z.url();
/** A comma-separated list; blanks dropped. */
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== ''),
);
/** Comma-separated http(s) URL prefixes, each with a path: what the server may fetch from. */
const urlPrefixes = list.refine((prefixes) => prefixes.every((prefix) => /^https?:\/\/[^/?#]+\/[^?#]*$/.test(prefix)), {
  message: 'expected http(s) URL prefixes with a path (e.g. https://data.example.org/exports/), comma-separated',
});

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** The tenant ids the API accepts in `/tenant/{id}` (apps/api/src/fhir-base.ts). */
const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Why `prefix` cannot be a tenant's extra import prefix, or undefined when it can. */
function tenantPrefixProblem(prefix: string): string | undefined {
  const s3 = /^s3:\/\/([^/]*)\/(.*)$/.exec(prefix);
  if (!s3)
    return /^https?:\/\/[^/?#]+\/[^?#]*$/.test(prefix) ? undefined : 'is neither s3://bucket/prefix/ nor http(s)';
  const [, bucket = '', path = ''] = s3;
  if (!BUCKET_NAME.test(bucket)) return `names ${JSON.stringify(bucket)}, not a valid S3 bucket name`;
  if (path !== '' && !path.endsWith('/')) return 'must end with / (keys are matched a whole segment at a time)';
  const segments = path.split('/').slice(0, -1);
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'must not have empty, "." or ".." segments';
  return undefined;
}

/**
 * `tenant=value` pairs, comma-separated, each checked by `problemOf` (which may look at the pairs taken before it),
 * into `add`. Every bad pair becomes a configuration problem naming it.
 */
const tenantPairs = <T>(
  form: string,
  problemOf: (value: string, tenant: string, taken: Map<string, T>) => string | undefined,
  add: (taken: Map<string, T>, tenant: string, value: string) => void,
) =>
  list.transform((pairs, context) => {
    // A Map, so a tenant called `__proto__` is just a name.
    const taken = new Map<string, T>();
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      const [tenant, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      const problem =
        at < 0
          ? `is not ${form}`
          : !TENANT_ID.test(tenant)
            ? `names ${JSON.stringify(tenant)}, not a tenant id (letters, digits, _ and -)`
            : problemOf(value, tenant, taken);
      if (problem) context.addIssue({ code: 'custom', message: `${JSON.stringify(pair)} ${problem}` });
      else add(taken, tenant, value);
    }
    return taken;
  });

/**
 * `tenant=prefix` pairs, a tenant repeated for several: what a tenant may import from besides its own
 * `s3://{bucket}/{tenant}/` (s3:// prefixes of any bucket on the configured storage, or http(s) prefixes).
 */
const tenantPrefixes = tenantPairs<string[]>('tenant=prefix', tenantPrefixProblem, (taken, tenant, prefix) =>
  taken.set(tenant, [...(taken.get(tenant) ?? []), prefix]),
);

/** `tenant=version` pairs: the FHIR version each named tenant speaks from its first write (issue 15). */
const tenantVersions = tenantPairs<FhirVersion>(
  'tenant=version',
  (version, tenant, taken) =>
    !isFhirVersion(version)
      ? `names ${JSON.stringify(version)}, not a FHIR version this server speaks (${FHIR_VERSIONS.join(', ')})`
      : taken.has(tenant) && taken.get(tenant) !== version
        ? `gives ${tenant} a second version`
        : undefined,
  (taken, tenant, version) => taken.set(tenant, version as FhirVersion),
);

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
  S3_BUCKET: z.string().regex(BUCKET_NAME, 'must be a valid S3 bucket name').default('fhir-bulk'),
  S3_FORCE_PATH_STYLE: bool.default(true),
  /** Server-side encryption asked of S3 for every object ("none" for stores that reject the header). */
  S3_SSE: z.enum(['AES256', 'aws:kms', 'none']).default('AES256'),
  /** The KMS key S3 encrypts with when S3_SSE is aws:kms (unset: the bucket's default key). */
  S3_SSE_KMS_KEY_ID: z.string().min(1).optional(),
  /** The S3 endpoint as clients reach it, for presigned URLs, when S3_ENDPOINT is a name only the services resolve. */
  S3_PUBLIC_ENDPOINT: url.optional(),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('bulk'),
  TEMPORAL_UI_URL: url.default('http://127.0.0.1:8233'),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(8080),
  /**
   * The URL clients use to reach the API: every absolute URL it answers with (manifests, Content-Location, the
   * CapabilityStatement, SMART discovery, the token endpoint) is built from it, never from a request's Host header.
   */
  PUBLIC_BASE_URL: url.default('http://127.0.0.1:8080'),
  /**
   * PEM files of the API's certificate (its chain) and private key, read once at start. Set both and the API serves
   * HTTPS only (TLS 1.2 at least), every response with Strict-Transport-Security; set neither behind a proxy that
   * ends TLS.
   */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),

  /** Request bodies above this many bytes are refused with 413 (transaction Bundles are the big ones). */
  API_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),

  /**
   * What one synchronous `$viewdefinition-run` may cost: rows returned, rows one resource may expand to (also the
   * cap in `$viewdefinition-export` and Parquet export, where a resource over it fails the job), and seconds.
   */
  VIEW_RUN_MAX_ROWS: z.coerce.number().int().min(1).default(100_000),
  VIEW_MAX_ROWS_PER_RESOURCE: z.coerce.number().int().min(1).default(10_000),
  VIEW_RUN_MAX_SECONDS: z.coerce.number().positive().default(30),

  /**
   * How many activities one worker runs at once, of every job: export partitions, import files, plans, finishes and
   * purges. A job's own limits (EXPORT_PARTITION_CONCURRENCY, IMPORT_MAX_CONCURRENT_FILES) apply within the job; this
   * one across all jobs this worker serves.
   */
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(256).default(4),
  /**
   * A workflow bundle written by `npm run build:workflows` (a path; apps/worker/dist/workflow-bundle.js unset). A
   * worker finding none there, or a stale one, bundles its workflows at start: seconds that a worker started to
   * replace a dead one spends before it takes over the dead one's work.
   */
  WORKER_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /**
   * Where the worker serves its own `/metrics` (WORKER_METRICS_PORT; 0 picks a free port, as tests do) and where the
   * Temporal SDK serves its worker metrics (TEMPORAL_METRICS_PORT; 0 turns them off: the SDK cannot say which port it
   * got). Both on WORKER_METRICS_HOST: loopback, like API_HOST; containers set 0.0.0.0 for Prometheus to reach them.
   */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_METRICS_PORT: port.default(9464),
  TEMPORAL_METRICS_PORT: port.default(9465),
  /**
   * On SIGTERM or SIGINT a worker stops polling at once; its running activities may go on for this long, then are
   * cancelled: each stops at its next line or batch, its last heartbeated checkpoint kept, and Temporal hands it at
   * once to another worker, which resumes from there. The worker exits after that (at most 30 s more).
   */
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),

  /**
   * How export reads a type: `key` (partitioned key ranges, filtered and sorted by the database: MongoDB),
   * `storage` (one storage-order scan per type, filtered in the worker: FerretDB v1), or `auto` (by server).
   */
  EXPORT_SCAN: z.enum(['auto', 'key', 'storage']).default('auto'),
  /** Partition activities one export runs at once (each worker also caps its own activities, above). */
  EXPORT_PARTITION_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** Resources per partition when the database can range-scan by index (MongoDB); FerretDB gets one per type. */
  EXPORT_PARTITION_SIZE: z.coerce.number().int().min(1).default(250_000),
  /** Record limits per output file, `Type=n,…` (`*=n` for the rest) over the built-in defaults. */
  EXPORT_FILE_MAX_RECORDS: z
    .string()
    .regex(/^\s*(([A-Za-z]+|\*)\s*=\s*[1-9]\d*\s*(,\s*|$))*$/, 'expected Type=n,Type=n (n a positive integer)')
    .default(''),
  /** An output file rolls over before it passes this many bytes. */
  EXPORT_FILE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024 * 1024),
  /**
   * Bytes per upload part of an export file (NDJSON, CSV). Each completed part is checkpointed, so a worker killed
   * mid-file costs at most about one part of each file it was writing; two parts per file are held in memory.
   * S3 takes no smaller part than 5 MiB but the last.
   */
  EXPORT_PART_BYTES: z.coerce
    .number()
    .int()
    .min(5 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  /**
   * A partition activity silent for this long is presumed dead and retried from its checkpoint elsewhere: with
   * part checkpoints, most of what a killed worker costs an export (5, as for imports; it was 10). Also bounds how
   * late a cancel reaches a running partition (heartbeats carry it, at most every 0.8 × this).
   */
  EXPORT_HEARTBEAT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(5),
  /** Exports one tenant may run at once; more are refused with 429 at kick-off. */
  EXPORT_MAX_CONCURRENT_PER_TENANT: z.coerce.number().int().min(1).default(3),
  /** An export over this many resources fails with EXCEEDED_SIZE_LIMIT (0: no limit). */
  EXPORT_MAX_RESOURCES: z.coerce.number().int().min(0).default(0),
  /** Files (output, then deleted) per manifest page, for clients that send allowPartialManifests. */
  EXPORT_MANIFEST_PAGE_SIZE: z.coerce.number().int().min(1).default(1000),

  /**
   * How clients download export files: `api` streams them through this API (manifests say requiresAccessToken
   * true); `presigned` puts presigned S3 GET URLs in manifests (requiresAccessToken false), so the bytes bypass it.
   */
  EXPORT_FILE_ACCESS: z.enum(['api', 'presigned']).default('api'),
  /** How long a presigned download URL works; SigV4 allows at most 7 days. */
  EXPORT_PRESIGNED_URL_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(3600),

  /**
   * An export or import still running after this long fails with TIMEOUT (Temporal's workflow execution timeout).
   * Was EXPORT_TIMEOUT_HOURS (still read for one release: renamed-settings.ts).
   */
  JOB_TIMEOUT_HOURS: z.coerce.number().positive().default(24),
  /**
   * How long an export's outputs, and an import's error files, are kept after the job completes; then the retention
   * schedule deletes them. Was EXPORT_RETENTION_HOURS.
   */
  JOB_RETENTION_HOURS: z.coerce.number().min(0).default(24),
  /**
   * How long a job's record (`export_jobs`, `import_jobs`: owner, request, figures, how it ended) is kept, counted
   * from the job's start; a record whose outputs are still kept stays until they are gone. Then the retention
   * schedule deletes it with whatever of the job is left (patient set, poll progress, checkpoints, stray objects),
   * and the job's URLs answer 404 as after its expiry. The audit trail keeps who did what for much longer.
   */
  JOB_RECORD_RETENTION_DAYS: z.coerce.number().min(0).default(30),
  /**
   * How long Temporal keeps a closed job's workflow history (it holds the job's input: request, tenant, patient
   * ids), the namespace's retention. `infra/stack.sh` applies it to the local server; elsewhere the operator does
   * (`npm run stack -- retention`, or the platform's own tool), and the worker warns at start when the namespace
   * says otherwise, or keeps histories for less than JOB_RETENTION_HOURS (a completed job's status needs its
   * workflow until its files expire).
   */
  TEMPORAL_NAMESPACE_RETENTION_DAYS: z.coerce.number().int().min(1).default(3),
  /**
   * How long AuditEvents are kept, counted from their `recorded` time; then the retention schedule deletes them
   * (every tenant, with their history). The default is six years, HIPAA's retention of documentation.
   */
  AUDIT_RETENTION_DAYS: z.coerce.number().positive().default(2190),
  /**
   * Clients polling an export's or import's status more often than this get 429 + Retry-After. Was
   * EXPORT_STATUS_MIN_INTERVAL_SECONDS.
   */
  JOB_STATUS_MIN_INTERVAL_SECONDS: z.coerce.number().min(0).default(1),
  /**
   * Polls of one job within this many seconds of a status lookup are answered from it, and up to 5 times this from
   * it while it is refreshed in the background (apps/api/src/async-jobs/status-snapshots.ts). 0: every poll looks
   * the job up.
   */
  JOB_STATUS_SHARE_SECONDS: z.coerce.number().min(0).default(1),

  /** Input files one import reads at once (`MaxConcurrentFiles` in the import settings this mirrors). */
  IMPORT_MAX_CONCURRENT_FILES: z.coerce.number().int().min(1).max(256).default(2),
  /** Resources per database write (`BatchSize`). */
  IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** Concurrent batch writers per file (`ConsumerCount`). */
  IMPORT_CONSUMER_COUNT: z.coerce.number().int().min(1).max(64).default(2),
  /** Parsed batches waiting for a writer, per file (`ChannelCapacity`): bounds memory when the database is slower. */
  IMPORT_CHANNEL_CAPACITY: z.coerce.number().int().min(1).max(1024).default(4),
  /** A line longer than this is reported as an error without being read into memory. */
  IMPORT_MAX_LINE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  /**
   * Buckets on the configured S3 storage where each tenant imports from its own prefix: tenant T may name
   * `s3://{bucket}/T/…` and nothing else there, so one tenant cannot import what another placed in the bucket.
   */
  IMPORT_S3_BUCKETS: list
    .refine((buckets) => buckets.every((bucket) => BUCKET_NAME.test(bucket)), {
      message: 'expected valid S3 bucket names, comma-separated',
    })
    .default(['fhir-bulk-import']),
  /**
   * URL prefixes `http(s)` inputs must start with (comma-separated); empty allows none. Every tenant may read them
   * (IMPORT_TENANT_ALLOWED_PREFIXES gives one tenant its own). Anything else is refused at kick-off, as are hosts
   * resolving to private or link-local addresses unless a prefix names that address.
   */
  IMPORT_HTTP_ALLOWED_PREFIXES: urlPrefixes.default([]),
  /**
   * What one tenant may import from besides its own prefix, e.g.
   * `acme=s3://shared-feeds/acme/,acme=https://files.acme.example/fhir/,beta=s3://beta-drop/`.
   */
  IMPORT_TENANT_ALLOWED_PREFIXES: tenantPrefixes.default(new Map()),

  /** The FHIR version of a tenant used for the first time that TENANT_FHIR_VERSIONS does not name. */
  DEFAULT_FHIR_VERSION: z.enum(FHIR_VERSIONS).default('4.0.1'),
  /**
   * Tenants that speak another FHIR version than the default, e.g. `clinic-r5=5.0.0,lab=4.0.1`. A tenant's version is
   * recorded at its first write; it can be changed here only while the tenant holds no resources (start-up refuses).
   */
  TENANT_FHIR_VERSIONS: tenantVersions.default(new Map()),
  /**
   * A file activity silent for this long is presumed dead and resumed from its checkpoint elsewhere: most of what a
   * killed worker costs an import. It heartbeats every third of this on a timer, so only an event loop blocked
   * that long could be taken for dead.
   */
  IMPORT_HEARTBEAT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(5),
  /** A file whose checkpoint has not moved for this long is logged (WARN) and named in the job's X-Progress. */
  IMPORT_STALL_WARNING_SECONDS: z.coerce.number().int().min(1).default(60),

  /**
   * `smart` (default): every FHIR and bulk route needs a SMART Backend Services access token. `none`: no checks at
   * all, every request acts with every right; for local experiments only (the API warns loudly at start).
   */
  AUTH_MODE: z.enum(['smart', 'none']).default('smart'),
  /**
   * The administrator's credential for client management (`Authorization: Bearer …` on /auth/register and
   * /auth/clients). Unset: only clients holding the `admin` permission manage clients.
   */
  AUTH_ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How long an access token lives; SMART Backend Services asks for five minutes at most. */
  AUTH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(300).default(300),
  /**
   * URL prefixes a client's `jwks_uri` must start with (as IMPORT_HTTP_ALLOWED_PREFIXES for inputs): the server
   * fetches these URLs, so only listed ones, and never an internal address unless a prefix names it.
   */
  AUTH_JWKS_ALLOWED_PREFIXES: urlPrefixes.default([]),

  /**
   * `on`: every object the server writes (export outputs, manifests, error files, Parquet) is encrypted by the
   * services themselves before it reaches S3 (object-store's envelope encryption), whatever the S3 store honours.
   */
  OBJECT_ENCRYPTION: z.enum(['on', 'off']).default('off'),
  /**
   * The master keys of that encryption, `id:base64`, comma-separated, oldest first: new objects use the last one,
   * the others keep older objects readable. Each key is 32 random bytes (`openssl rand -base64 32`).
   */
  OBJECT_ENCRYPTION_KEYS: list
    .superRefine((entries, context) => {
      const ids = new Set<string>();
      entries.forEach((entry, index) => {
        const id = entry.slice(0, Math.max(0, entry.indexOf(':')));
        // Never the entry itself in a message: it holds the key.
        const problem = masterKeyProblem(entry) ?? (ids.has(id) ? `repeats the key id ${id}` : undefined);
        if (problem) context.addIssue({ code: 'custom', message: `entry ${index + 1} ${problem}` });
        ids.add(id);
      });
    })
    .default([]),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Settings that are each valid but do not go together. */
const consistent = schema.superRefine((config, context) => {
  const problem = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
  if (config.S3_SSE_KMS_KEY_ID && config.S3_SSE !== 'aws:kms') {
    problem('S3_SSE_KMS_KEY_ID', `names a KMS key, which only S3_SSE=aws:kms uses (S3_SSE is ${config.S3_SSE})`);
  }
  if (config.OBJECT_ENCRYPTION === 'on' && config.OBJECT_ENCRYPTION_KEYS.length === 0) {
    problem('OBJECT_ENCRYPTION_KEYS', 'is required with OBJECT_ENCRYPTION=on (id:base64 of 32 random bytes)');
  }
  if (config.OBJECT_ENCRYPTION === 'on' && config.EXPORT_FILE_ACCESS === 'presigned') {
    problem(
      'EXPORT_FILE_ACCESS',
      'presigned URLs would hand clients the encrypted bytes: with OBJECT_ENCRYPTION=on, files are served by the API (EXPORT_FILE_ACCESS=api), or set OBJECT_ENCRYPTION=off',
    );
  }
  const [cert, key] = [config.TLS_CERT_FILE !== undefined, config.TLS_KEY_FILE !== undefined];
  if (cert !== key) {
    const [unset, set] = cert ? ['TLS_KEY_FILE', 'TLS_CERT_FILE'] : ['TLS_CERT_FILE', 'TLS_KEY_FILE'];
    problem(unset, `must be set with ${set} (both or neither)`);
  }
  // Served over TLS, the API has no plain-HTTP port: the URLs it hands out must not send clients to one.
  if (cert && key && !config.PUBLIC_BASE_URL.startsWith('https://')) {
    problem('PUBLIC_BASE_URL', 'must be an https:// URL when TLS_CERT_FILE and TLS_KEY_FILE make the API serve HTTPS');
  }
});

export type Config = z.infer<typeof schema>;

/** Settings whose values a configuration error must not print (start-up messages end up in logs). */
const SECRETS = new Set(['OBJECT_ENCRYPTION_KEYS', 'AUTH_ADMIN_TOKEN', 'S3_SECRET_ACCESS_KEY']);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration from `env` (process.env by default); empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const { settings, readFrom } = withRenamedSettings(present);
  const parsed = consistent.safeParse(settings);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0]);
        const value = SECRETS.has(name)
          ? '=(not shown)'
          : settings[name] === undefined
            ? ' (unset)'
            : `=${JSON.stringify(settings[name])}`;
        return `${readFrom.get(name) ?? i.path.join('.')}${value}: ${i.message}`;
      }),
    );
  }
  return parsed.data;
}
