import { type AuditJobKind, type JobAudit, recordJobEnd } from '@fhir-bulk/audit';
import type { JobMetrics } from '@fhir-bulk/jobs';

/** A job as its AuditEvents name it. */
export interface AuditedJob {
  kind: AuditJobKind;
  jobId: string;
  tenant: string;
  /** The client that started it. */
  requestedBy: string;
}

/** A completed job's AuditEvent, with its figures (the product spec's audit example). */
export const auditCompleted = (audit: JobAudit, job: AuditedJob, metrics: JobMetrics, recorded: Date): Promise<void> =>
  recordJobEnd(audit, {
    ...job,
    ended: 'complete',
    figures: { records: metrics.totalRecords, files: metrics.fileCount, bytes: metrics.totalSize },
    recorded,
  });

/** A failed job's AuditEvent; a cancelled one gets none here, as the API's DELETE recorded the cancel. */
export async function auditAbandoned(
  audit: JobAudit,
  job: AuditedJob,
  { status, message }: { status: 'cancelled' | 'failed'; message?: string | undefined },
  recorded: Date,
): Promise<void> {
  if (status !== 'failed') return;
  await recordJobEnd(audit, {
    ...job,
    ended: 'failed',
    ...(message === undefined ? {} : { failure: message }),
    recorded,
  });
}
