import {
  type ImportedFile,
  type ImportJobInput,
  importPrefix,
  type PlannedFile,
  recordedImport,
} from '@fhir-bulk/import';
import type { JobRecord } from '@fhir-bulk/jobs';
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
  if (await deps.jobs.completed(recordedImport(job), metrics, endTime, expiresAt)) {
    await auditCompleted(deps.audit, auditedJob(job), metrics, endTime);
    deps.metrics.jobCompleted('import', job.tenant);
  }
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
  // Cancels are counted by the API, which takes them.
  if (status === 'failed') deps.metrics.jobFailed('import', job.tenant);
}

const auditedJob = (job: ImportJobInput): AuditedJob => ({
  kind: 'import',
  jobId: job.jobId,
  tenant: job.tenant,
  requestedBy: job.requestedBy,
});

/**
 * The retention schedule's step for imports: deletes the error files of imports past retention, and of jobs Temporal
 * ended without cleanup; then removes the records kept long enough (JOB_RECORD_RETENTION_DAYS) with anything of the
 * job still stored. The resources imported stay: they are the tenant's. Returns how many jobs it purged or removed.
 */
export async function purgeExpiredImports(deps: ImportDeps): Promise<number> {
  const settings = { now: deps.now(), ...deps.settings };
  const purged = await deps.jobs.purgeExpired(settings, async (record) => {
    await forgetImport(deps, record);
    await deps.jobs.purged(record._id, 'expired');
  });
  return purged + (await deps.jobs.removeFinished(settings, (record) => forgetImport(deps, record)));
}

/** Everything of an import but its record and the resources it wrote: error files (and parts), checkpoints. */
async function forgetImport(deps: ImportDeps, { tenant, _id: jobId }: Pick<JobRecord, 'tenant' | '_id'>) {
  await deps.objects.deletePrefix(importPrefix(tenant, jobId));
  await deps.checkpoints.forget(jobId);
}
