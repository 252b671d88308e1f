import type { JobRecords } from '@fhir-bulk/export';
import type { ImportSources, SourceIo } from '@fhir-bulk/import';
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
  /** How often a file activity checkpoints (and so how much a resumed attempt redoes at most). */
  checkpointIntervalMs: number;
  /** Hours error files are kept after the job completes (EXPORT_RETENTION_HOURS, the same clock as outputs). */
  retentionHours: number;
  /** The workflow execution timeout the API starts jobs with (EXPORT_TIMEOUT_HOURS): a job running longer was abandoned. */
  timeoutHours: number;
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
  settings: ImportSettings;
  now: () => Date;
}
