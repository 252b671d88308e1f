import type { JobAudit } from '@fhir-bulk/audit';
import type { JobRecords } from '@fhir-bulk/jobs';
import type { ImportCheckpointRecords, ImportSources, SourceIo } from '@fhir-bulk/import';
import type { ImportRecorder } from '@fhir-bulk/metrics';
import type { ObjectStore } from '@fhir-bulk/object-store';
import type { ResourceStore } from '@fhir-bulk/store';
import type { InputReader } from './input-reader';

/** Worker-side import settings, from the config module (IMPORT_* variables). */
export interface ImportSettings {
  maxConcurrentFiles: number;
  batchSize: number;
  consumerCount: number;
  channelCapacity: number;
  maxLineBytes: number;
  heartbeatTimeoutSeconds: number;
  /** No progress for this long is a stall: logged and shown in the status (IMPORT_STALL_WARNING_SECONDS). */
  stallWarningSeconds: number;
  /** How long a file activity lets error lines wait before checkpointing them (one S3 write per wait). */
  checkpointIntervalMs: number;
  /** Hours error files are kept after the job completes (JOB_RETENTION_HOURS, the same clock as outputs). */
  retentionHours: number;
  /** The workflow execution timeout the API starts jobs with (JOB_TIMEOUT_HOURS): a job running longer was abandoned. */
  timeoutHours: number;
  /** Days a job's record is kept after its start, once its files are gone (JOB_RECORD_RETENTION_DAYS). */
  recordRetentionDays: number;
}

/** Everything import activities touch, passed in, so tests can wire their own. */
export interface ImportDeps {
  store: ResourceStore;
  /** The job's own bucket: error files. */
  objects: ObjectStore;
  inputs: InputReader;
  /** What each tenant may import from (checked per job's tenant when planning and before each read). */
  sources: ImportSources;
  sourceIo: SourceIo;
  jobs: JobRecords;
  /** Completion and failure AuditEvents, written by the finishing activities. */
  audit: JobAudit;
  /** Each running file's latest checkpoint, so a resumed attempt need not start from the heartbeat's older one. */
  checkpoints: ImportCheckpointRecords;
  settings: ImportSettings;
  metrics: ImportRecorder;
  now: () => Date;
}
