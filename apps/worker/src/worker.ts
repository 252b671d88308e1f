import { type JobAudit, storeAuditSink } from '@fhir-bulk/audit';
import type { Config } from '@fhir-bulk/config';
import { parseRecordLimits } from '@fhir-bulk/export';
import { JobRecords, PatientSets } from '@fhir-bulk/jobs';
import { defaultSourceIo, importBuckets, ImportCheckpointRecords, type ImportSources } from '@fhir-bulk/import';
import type { WorkerMetrics } from '@fhir-bulk/metrics';
import type { ObjectStore, PartUploads, ServerObjectStore } from '@fhir-bulk/object-store';
import { detectServer, type ResourceStore, type ServerKind } from '@fhir-bulk/store';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type AuditDeps, createAuditActivities } from './audit/activities';
import { createExportActivities, type ExportDeps, type ExportSettings } from './export/activities';
import { createImportActivities, type ImportDeps } from './import/activities';
import { InputReader } from './import/input-reader';
import { jobLogInterceptors } from './job-log-attributes';

export type WorkerConfig = Pick<
  Config,
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_TASK_QUEUE'
  | 'WORKER_MAX_CONCURRENT_ACTIVITIES'
  | 'WORKER_SHUTDOWN_GRACE_SECONDS'
  | 'EXPORT_SCAN'
  | 'EXPORT_PARTITION_CONCURRENCY'
  | 'EXPORT_PARTITION_SIZE'
  | 'EXPORT_FILE_MAX_RECORDS'
  | 'EXPORT_FILE_MAX_BYTES'
  | 'EXPORT_PART_BYTES'
  | 'EXPORT_HEARTBEAT_TIMEOUT_SECONDS'
  | 'JOB_RETENTION_HOURS'
  | 'AUDIT_RETENTION_DAYS'
  | 'JOB_TIMEOUT_HOURS'
  | 'JOB_RECORD_RETENTION_DAYS'
  | 'EXPORT_MAX_RESOURCES'
  | 'VIEW_MAX_ROWS_PER_RESOURCE'
  | 'IMPORT_MAX_CONCURRENT_FILES'
  | 'IMPORT_BATCH_SIZE'
  | 'IMPORT_CONSUMER_COUNT'
  | 'IMPORT_CHANNEL_CAPACITY'
  | 'IMPORT_MAX_LINE_BYTES'
  | 'IMPORT_S3_BUCKETS'
  | 'IMPORT_HTTP_ALLOWED_PREFIXES'
  | 'IMPORT_TENANT_ALLOWED_PREFIXES'
  | 'IMPORT_HEARTBEAT_TIMEOUT_SECONDS'
  | 'IMPORT_STALL_WARNING_SECONDS'
  | 'PUBLIC_BASE_URL'
>;

export interface WorkerDeps {
  connection: NativeConnection;
  config: WorkerConfig;
  store: ResourceStore;
  objects: ServerObjectStore;
  /** What the activities count; the process serves it at /metrics (main.ts). */
  metrics: WorkerMetrics;
  /** A prebuilt workflow bundle (prebuiltWorkflowBundle); without one the worker bundles ./workflows at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * The workers fail this long after their shutdown began, whatever still runs (main: the grace time and
   * ACTIVITY_STOP_SECONDS); unset, they wait for every activity to stop (in-process test workers, as before).
   */
  shutdownForceSeconds?: number;
}

export function exportSettings(config: WorkerConfig): ExportSettings {
  return {
    partitionConcurrency: config.EXPORT_PARTITION_CONCURRENCY,
    partitionSize: config.EXPORT_PARTITION_SIZE,
    recordLimits: parseRecordLimits(config.EXPORT_FILE_MAX_RECORDS),
    maxFileBytes: config.EXPORT_FILE_MAX_BYTES,
    partBytes: config.EXPORT_PART_BYTES,
    heartbeatTimeoutSeconds: config.EXPORT_HEARTBEAT_TIMEOUT_SECONDS,
    retentionHours: config.JOB_RETENTION_HOURS,
    timeoutHours: config.JOB_TIMEOUT_HOURS,
    recordRetentionDays: config.JOB_RECORD_RETENTION_DAYS,
    maxResources: config.EXPORT_MAX_RESOURCES,
    maxViewRowsPerResource: config.VIEW_MAX_ROWS_PER_RESOURCE,
  };
}

/** Job AuditEvents go to the job's tenant, named as this server's worker at its public URL. */
const jobAudit = (store: ResourceStore, config: WorkerConfig): JobAudit => ({
  sink: storeAuditSink(store),
  source: { site: config.PUBLIC_BASE_URL, observer: 'fhir-bulk worker' },
});

/** The server's capabilities, with the scan strategy forced when configured (tests run both on FerretDB). */
async function scanStrategy(store: ResourceStore, scan: WorkerConfig['EXPORT_SCAN']): Promise<ServerKind> {
  const server = await detectServer(store.db);
  return scan === 'auto' ? server : { ...server, indexedRangeScans: scan === 'key' };
}

/** The export activities' dependencies from configuration; also used by tests that wrap the real activities. */
export async function exportDeps(
  store: ResourceStore,
  objects: ObjectStore & PartUploads,
  config: WorkerConfig,
  metrics: WorkerMetrics,
): Promise<ExportDeps> {
  return {
    store,
    objects,
    jobs: new JobRecords(store.db, 'export'),
    patientSets: new PatientSets(store.db),
    audit: jobAudit(store, config),
    server: await scanStrategy(store, config.EXPORT_SCAN),
    settings: exportSettings(config),
    metrics,
    now: () => new Date(),
  };
}

/** The import activities' dependencies from configuration: inputs are read only from the allowed buckets. */
export function importDeps(
  store: ResourceStore,
  objects: ServerObjectStore,
  config: WorkerConfig,
  metrics: WorkerMetrics,
): ImportDeps {
  const sources: ImportSources = {
    s3Buckets: config.IMPORT_S3_BUCKETS,
    httpPrefixes: config.IMPORT_HTTP_ALLOWED_PREFIXES,
    tenantPrefixes: config.IMPORT_TENANT_ALLOWED_PREFIXES,
  };
  const buckets = new Map(importBuckets(sources).map((bucket) => [bucket, objects.inBucket(bucket)]));
  const sourceIo = defaultSourceIo();
  return {
    store,
    objects,
    // http inputs are read through the pinned fetch: connections only to addresses checked at connect time.
    inputs: new InputReader(buckets, sourceIo.fetch),
    sources,
    sourceIo,
    jobs: new JobRecords(store.db, 'import'),
    audit: jobAudit(store, config),
    checkpoints: new ImportCheckpointRecords(store.db),
    settings: {
      maxConcurrentFiles: config.IMPORT_MAX_CONCURRENT_FILES,
      batchSize: config.IMPORT_BATCH_SIZE,
      consumerCount: config.IMPORT_CONSUMER_COUNT,
      channelCapacity: config.IMPORT_CHANNEL_CAPACITY,
      maxLineBytes: config.IMPORT_MAX_LINE_BYTES,
      heartbeatTimeoutSeconds: config.IMPORT_HEARTBEAT_TIMEOUT_SECONDS,
      stallWarningSeconds: config.IMPORT_STALL_WARNING_SECONDS,
      checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
      retentionHours: config.JOB_RETENTION_HOURS,
      timeoutHours: config.JOB_TIMEOUT_HOURS,
      recordRetentionDays: config.JOB_RECORD_RETENTION_DAYS,
    },
    metrics,
    now: () => new Date(),
  };
}

/** The audit activities' dependencies: AuditEvents are kept AUDIT_RETENTION_DAYS. */
export const auditDeps = (store: ResourceStore, config: WorkerConfig): AuditDeps => ({
  store,
  retentionDays: config.AUDIT_RETENTION_DAYS,
  now: () => new Date(),
});

/** Error lines wait at most this long for their checkpoint (which writes them to S3, one object per wait). */
const CHECKPOINT_INTERVAL_MS = 2_000;

/** What a cancelled activity gets to stop (its next line or batch; a slow database call) before the worker quits. */
export const ACTIVITY_STOP_SECONDS = 30;

/**
 * Draining on shutdown (SIGTERM/SIGINT through the SDK's runtime, or `RunningWorkers.shutdown`): polling stops at
 * once, running activities get the grace time, then are cancelled, and their attempts fail as cancelled by the
 * worker's shutdown, which Temporal retries elsewhere without waiting for a heartbeat timeout. Past the force time
 * the workers fail (and main exits), whatever is still running.
 */
function drain({
  config,
  shutdownForceSeconds,
}: WorkerDeps): Pick<WorkerOptions, 'shutdownGraceTime' | 'shutdownForceTime'> {
  return {
    shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE_SECONDS * 1000,
    ...(shutdownForceSeconds === undefined ? {} : { shutdownForceTime: shutdownForceSeconds * 1000 }),
  };
}

/**
 * The activities' worker: export partitions, import files and the retention purges. It is created and polling
 * before the workflows' worker (whose sandbox takes ~0.6–0.9 s more to create), so a worker started to replace a
 * dead one takes over the dead one's files as soon as Temporal hands them out.
 */
export async function createActivityWorker(deps: WorkerDeps): Promise<Worker> {
  const { connection, config, store, objects, metrics } = deps;
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: {
      ...createExportActivities(await exportDeps(store, objects, config, metrics)),
      ...createImportActivities(importDeps(store, objects, config, metrics)),
      ...createAuditActivities(auditDeps(store, config)),
    },
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    interceptors: { activity: [jobLogInterceptors] },
    ...drain(deps),
  });
}

/** The workflows' worker, on the same connection and task queue as the activities'. */
export async function createWorkflowWorker(deps: WorkerDeps): Promise<Worker> {
  const { connection, config, workflowBundle } = deps;
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    ...drain(deps),
  });
}

export interface RunningWorkers {
  /** How Temporal's history names this worker (ActivityTaskStarted `identity`): the SDK's `{pid}@{host}`. */
  identity: string;
  shutdown(): void;
  /** Settles when both workers have stopped; rejects when either fails. */
  done: Promise<void>;
}

/**
 * Starts the activities' worker, then runs `beforeWorkflows` (start-up work that can wait until the activities are
 * polled for, such as warming the validators up), then starts the workflows' worker.
 */
export async function runWorkers(deps: WorkerDeps, beforeWorkflows: () => void = () => undefined) {
  const activities = await createActivityWorker(deps);
  const runs = [activities.run()];
  // Settled through `done`; a failure before `done` exists must not end the process as an unhandled rejection.
  runs[0]!.catch(() => undefined);
  try {
    beforeWorkflows();
    const workflows = await createWorkflowWorker(deps);
    runs.push(workflows.run());
    const running: RunningWorkers = {
      identity: activities.options.identity,
      shutdown: () => {
        activities.shutdown();
        workflows.shutdown();
      },
      done: Promise.all(runs).then(() => undefined),
    };
    return running;
  } catch (error) {
    activities.shutdown();
    await Promise.allSettled(runs);
    throw error;
  }
}
