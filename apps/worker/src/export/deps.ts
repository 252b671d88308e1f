import type { JobRecords, PatientSets } from '@fhir-bulk/jobs';
import type { ObjectStore } from '@fhir-bulk/object-store';
import type { ResourceStore, ServerKind } from '@fhir-bulk/store';

/** Worker-side export settings, from the config module (EXPORT_* variables). */
export interface ExportSettings {
  partitionConcurrency: number;
  partitionSize: number;
  recordLimits: Record<string, number>;
  maxFileBytes: number;
  heartbeatTimeoutSeconds: number;
  retentionHours: number;
  /** The workflow execution timeout the API starts jobs with: a job running longer has been abandoned. */
  timeoutHours: number;
  maxResources: number;
  /** Rows one resource may expand to through a view (VIEW_MAX_ROWS_PER_RESOURCE); a resource over it fails the job. */
  maxViewRowsPerResource: number;
}

/** Everything export activities touch, passed in (no singletons), so tests can wire their own. */
export interface ExportDeps {
  store: ResourceStore;
  objects: ObjectStore;
  jobs: JobRecords;
  patientSets: PatientSets;
  server: ServerKind;
  settings: ExportSettings;
  now: () => Date;
}
