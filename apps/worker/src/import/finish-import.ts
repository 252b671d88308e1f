import {
  type ImportedFile,
  type ImportJobInput,
  importPrefix,
  type PlannedFile,
  recordedImport,
} from '@fhir-bulk/import';
import { auditAbandoned, type AuditedJob, auditCompleted } from '../job-audit';
import type { ImportDeps } from './deps';

/** Removes the error parts (the error files hold them now) and records the job's figures and its AuditEvent. */
export async function finalizeImport(
  deps: ImportDeps,
  { job, planned, files }: { job: ImportJobInput; planned: PlannedFile[]; files: ImportedFile[] },
): Promise<void> {
  await deps.objects.deletePrefix(`${importPrefix(job.tenant, job.jobId)}parts/`);
  await deps.checkpoints.forget(job.jobId);
  const metrics = {
    totalRecords: files.reduce((sum, f) => sum + f.count, 0),
    fileCount: files.length,
    totalSize: planned.reduce((sum, f) => sum + f.size, 0),
  };
  const endTime = deps.now();
  // Error files are kept as long as export outputs; the resources imported are the tenant's from now on.
  const expiresAt = new Date(endTime.getTime() + deps.settings.retentionHours * 3_600_000);
  if (await deps.jobs.completed(recordedImport(job), metrics, endTime, expiresAt))
    await auditCompleted(deps.audit, auditedJob(job), metrics, endTime);
}

/**
 * A job that will not complete (cancelled, or failed for good): its error reports go; resources already imported
 * stay (they are valid data, written idempotently; a new import of the same files converges on them).
 */
export async function abandonImport(
  deps: ImportDeps,
  { job, status, message }: { job: ImportJobInput; status: 'cancelled' | 'failed'; message?: string },
): Promise<void> {
  await deps.objects.deletePrefix(importPrefix(job.tenant, job.jobId));
  await deps.checkpoints.forget(job.jobId);
  const endTime = deps.now();
  await deps.jobs.ended(recordedImport(job), status, endTime, message);
  await auditAbandoned(deps.audit, auditedJob(job), { status, message }, endTime);
}

const auditedJob = (job: ImportJobInput): AuditedJob => ({
  kind: 'import',
  jobId: job.jobId,
  tenant: job.tenant,
  requestedBy: job.requestedBy,
});

/** Deletes the error files of imports past retention, and of jobs Temporal ended without cleanup; returns how many. */
export function purgeExpiredImports(deps: ImportDeps): Promise<number> {
  return deps.jobs.purgeExpired({ now: deps.now(), ...deps.settings }, async (record) => {
    await deps.objects.deletePrefix(importPrefix(record.tenant, record._id));
    await deps.checkpoints.forget(record._id);
    await deps.jobs.purged(record._id, 'expired');
  });
}
