import type { Config } from '@fhir-bulk/config';
import { ExportJobRecords, parseRecordLimits, PatientSets } from '@fhir-bulk/export';
import type { ObjectStore } from '@fhir-bulk/object-store';
import { detectServer, type ResourceStore, type ServerKind } from '@fhir-bulk/store';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createExportActivities, type ExportDeps, type ExportSettings } from './export/activities';

export type WorkerConfig = Pick<
  Config,
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_TASK_QUEUE'
  | 'WORKER_MAX_CONCURRENT_ACTIVITIES'
  | 'EXPORT_SCAN'
  | 'EXPORT_PARTITION_CONCURRENCY'
  | 'EXPORT_PARTITION_SIZE'
  | 'EXPORT_FILE_MAX_RECORDS'
  | 'EXPORT_FILE_MAX_BYTES'
  | 'EXPORT_HEARTBEAT_TIMEOUT_SECONDS'
  | 'EXPORT_RETENTION_HOURS'
  | 'EXPORT_TIMEOUT_HOURS'
  | 'EXPORT_MAX_RESOURCES'
>;

export interface WorkerDeps {
  connection: NativeConnection;
  config: WorkerConfig;
  store: ResourceStore;
  objects: ObjectStore;
  /** A prebuilt workflow bundle (tests share one); by default the worker bundles ./workflows at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function exportSettings(config: WorkerConfig): ExportSettings {
  return {
    partitionConcurrency: config.EXPORT_PARTITION_CONCURRENCY,
    partitionSize: config.EXPORT_PARTITION_SIZE,
    recordLimits: parseRecordLimits(config.EXPORT_FILE_MAX_RECORDS),
    maxFileBytes: config.EXPORT_FILE_MAX_BYTES,
    heartbeatTimeoutSeconds: config.EXPORT_HEARTBEAT_TIMEOUT_SECONDS,
    retentionHours: config.EXPORT_RETENTION_HOURS,
    timeoutHours: config.EXPORT_TIMEOUT_HOURS,
    maxResources: config.EXPORT_MAX_RESOURCES,
  };
}

/** The server's capabilities, with the scan strategy forced when configured (tests run both on FerretDB). */
async function scanStrategy(store: ResourceStore, scan: WorkerConfig['EXPORT_SCAN']): Promise<ServerKind> {
  const server = await detectServer(store.db);
  return scan === 'auto' ? server : { ...server, indexedRangeScans: scan === 'key' };
}

/** The export activities' dependencies from configuration; also used by tests that wrap the real activities. */
export async function exportDeps(
  store: ResourceStore,
  objects: ObjectStore,
  config: WorkerConfig,
): Promise<ExportDeps> {
  return {
    store,
    objects,
    jobs: new ExportJobRecords(store.db),
    patientSets: new PatientSets(store.db),
    server: await scanStrategy(store, config.EXPORT_SCAN),
    settings: exportSettings(config),
    now: () => new Date(),
  };
}

/** Wires activities and workflows to a task queue; used by main.ts and by the integration tests alike. */
export async function createWorker({
  connection,
  config,
  store,
  objects,
  workflowBundle,
}: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: createExportActivities(await exportDeps(store, objects, config)),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
  });
}
