import type { JobAudit } from '@fhir-bulk/audit';
import type { JobRecords, PatientSets } from '@fhir-bulk/jobs';
import type { ExportRecorder } from '@fhir-bulk/metrics';
import type { ObjectStore, PartUploads } from '@fhir-bulk/object-store';
import type { ResourceDocument, ResourceStore, ServerKind, StreamOptions } from '@fhir-bulk/store';

/** Worker-side export settings, from the config module (EXPORT_* variables). */
export interface ExportSettings {
  partitionConcurrency: number;
  partitionSize: number;
  recordLimits: Record<string, number>;
  maxFileBytes: number;
  /** Content bytes per upload part of a text file (EXPORT_PART_BYTES): its checkpoint grain. */
  partBytes: number;
  heartbeatTimeoutSeconds: number;
  retentionHours: number;
  /** The workflow execution timeout the API starts jobs with: a job running longer has been abandoned. */
  timeoutHours: number;
  /** Days a job's record is kept after its start, once its files are gone (JOB_RECORD_RETENTION_DAYS). */
  recordRetentionDays: number;
  maxResources: number;
  /** Rows one resource may expand to through a view (VIEW_MAX_ROWS_PER_RESOURCE); a resource over it fails the job. */
  maxViewRowsPerResource: number;
}

/** Everything export activities touch, passed in (no singletons), so tests can wire their own. */
export interface ExportDeps {
  store: ResourceStore;
  objects: ObjectStore & PartUploads;
  jobs: JobRecords;
  patientSets: PatientSets;
  /** Completion and failure AuditEvents, written by the finishing activities. */
  audit: JobAudit;
  server: ServerKind;
  settings: ExportSettings;
  metrics: ExportRecorder;
  now: () => Date;
}

/**
 * The reads of an export partition, as ResourceStore makes them (its MongoDB cursors are async iterables): narrow,
 * so the partition activity can be unit-tested over documents held in memory.
 */
export interface PartitionSource {
  streamCurrent(tenant: string, type: string, options: StreamOptions): AsyncIterable<ResourceDocument>;
  scanRange(
    tenant: string,
    type: string,
    options: Parameters<ResourceStore['scanRange']>[2],
  ): AsyncIterable<ResourceDocument>;
  compartmentsOf(tenant: string, type: string, id: string): Promise<string[]>;
}

/** What the partition activity uses of ExportDeps. */
export type PartitionDeps = Pick<ExportDeps, 'objects' | 'server' | 'settings' | 'metrics'> & {
  store: PartitionSource;
  patientSets: Pick<PatientSets, 'load'>;
};
