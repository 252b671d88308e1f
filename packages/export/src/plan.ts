import type { IssueCode } from '@fhir-bulk/fhir';
import type { ExportedFile } from './export-job';
import type { ExportPartition } from './partition';
import type { PatientSetRef } from '@fhir-bulk/jobs';

/** What the planning activity hands the workflow: small (no resource, no patient id), so history stays small. */
export interface ExportPlan {
  partitions: ExportPartition[];
  /** Resources expected in all, for progress. */
  total: number;
  /** Group members or `patient` ids, saved in MongoDB for the partition activities. */
  patientSet?: PatientSetRef;
  /** Files the plan already wrote: the `error` file listing parameters skipped under lenient handling. */
  files: ExportedFile[];
  /** Worker settings the workflow needs: partitions run at once and the heartbeat deadline. */
  concurrency: number;
  heartbeatTimeoutSeconds: number;
}

/** The ApplicationFailure type for an export that cannot succeed however often it is retried. */
export const EXPORT_ERROR = 'ExportError';

/** Error codes a failed job's OperationOutcome carries, with the HTTP status and issue code the poll answers. */
export const EXPORT_ERRORS = {
  EXCEEDED_SIZE_LIMIT: { status: 413, issue: 'too-costly' },
  INVALID_TYPE: { status: 400, issue: 'invalid' },
  NOT_FOUND: { status: 404, issue: 'not-found' },
  ACCESS_DENIED: { status: 403, issue: 'forbidden' },
  TIMEOUT: { status: 504, issue: 'timeout' },
  /** A view failed on a resource, or a value does not fit its Parquet column: the data, not the server. */
  VIEW_FAILED: { status: 422, issue: 'processing' },
} as const satisfies Record<string, { status: number; issue: IssueCode }>;
export type ExportErrorCode = keyof typeof EXPORT_ERRORS;
