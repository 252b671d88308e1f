import { buildManifest, type ExportedFile, type ExportJobInput, jobPrefix, manifestKey } from '@fhir-bulk/export';
import type { JobRecord } from '@fhir-bulk/jobs';
import { jobKindLabel } from '@fhir-bulk/metrics';
import type { ExportSummary } from '@fhir-bulk/workflow-contract';
import { auditAbandoned, type AuditedJob, auditCompleted } from '../job-audit';
import type { ExportDeps } from './deps';

/**
 * Writes manifest.json beside the files, then the job's metrics and its AuditEvent. A job cancelled meanwhile gets
 * none here: its cancel was recorded by the API's DELETE.
 */
export async function finalizeExport(
  deps: ExportDeps,
  { job, files }: { job: ExportJobInput; files: ExportedFile[] },
): Promise<ExportSummary> {
  const manifest = buildManifest(job, files);
  const key = manifestKey(job.tenant, job.jobId);
  // Every partition is done: an upload still open was left by an attempt that lost its partition to another.
  await deps.objects.abortUploads(jobPrefix(job.tenant, job.jobId));
  await deps.objects.put(key, JSON.stringify(manifest, null, 2), 'application/json');
  const outputs = files.filter((f) => f.kind === 'output');
  const metrics = {
    totalRecords: outputs.reduce((sum, f) => sum + f.count, 0),
    fileCount: files.filter((f) => f.count > 0).length,
    totalSize: files.reduce((sum, f) => sum + f.size, 0),
  };
  const endTime = deps.now();
  const expiresAt = new Date(endTime.getTime() + deps.settings.retentionHours * 3_600_000);
  const kept = await deps.jobs.completed(job, metrics, endTime, expiresAt);
  if (kept) await auditCompleted(deps.audit, auditedJob(job), metrics, endTime);
  await deps.patientSets.delete(job.jobId);
  if (!kept) await removeObjects(deps, jobPrefix(job.tenant, job.jobId));
  else deps.metrics.jobCompleted(jobKindLabel('export', job), job.tenant);
  return { manifestKey: key, ...metrics };
}

/**
 * A job that will not complete (cancelled, or failed for good): deletes whatever files it wrote, so nothing
 * half-done stays readable, and records how it ended. A failure is audited here; a cancel was, by the API's DELETE.
 */
export async function abandonExport(
  deps: ExportDeps,
  { job, status, message }: { job: ExportJobInput; status: 'cancelled' | 'failed'; message?: string },
): Promise<void> {
  await removeObjects(deps, jobPrefix(job.tenant, job.jobId));
  await deps.patientSets.delete(job.jobId);
  const endTime = deps.now();
  await deps.jobs.ended(job, status, endTime, message);
  await auditAbandoned(deps.audit, auditedJob(job), { status, message }, endTime);
  // Cancels are counted by the API, which takes them.
  if (status === 'failed') deps.metrics.jobFailed(jobKindLabel('export', job), job.tenant);
}

/**
 * A job's objects and its unfinished uploads (a file a cancelled or failed partition was writing), whose parts S3
 * would otherwise keep, and bill, though no object listing shows them.
 */
async function removeObjects(deps: ExportDeps, prefix: string): Promise<void> {
  await deps.objects.abortUploads(prefix);
  await deps.objects.deletePrefix(prefix);
}

/** A view export is an export job with views; its events say so. */
const auditedJob = (job: ExportJobInput): AuditedJob => ({
  kind: jobKindLabel('export', job),
  jobId: job.jobId,
  tenant: job.tenant,
  requestedBy: job.requestedBy,
});

/**
 * Removes a completed job's outputs (a client's DELETE, or retention), or what a job Temporal ended without cleanup
 * left (timed out, terminated: its patient set too). Later polls answer 404.
 */
export async function purgeExport(
  deps: ExportDeps,
  { tenant, jobId, status }: { tenant: string; jobId: string; status: 'deleted' | 'expired' },
): Promise<void> {
  await forgetExport(deps, { tenant, _id: jobId });
  await deps.jobs.purged(jobId, status);
}

/** Everything of an export but its record: its objects (outputs, manifest, error file) and its patient set. */
async function forgetExport(deps: ExportDeps, { tenant, _id: jobId }: Pick<JobRecord, 'tenant' | '_id'>) {
  await removeObjects(deps, jobPrefix(tenant, jobId));
  await deps.patientSets.delete(jobId);
}

/**
 * The retention schedule's step for exports: purges every job whose outputs' retention has run out, then removes the
 * records kept long enough (JOB_RECORD_RETENTION_DAYS), with anything of the job still stored, such as the files of a
 * job whose cancel Temporal cut short. Returns how many jobs it purged or removed (the retention workflow's result).
 */
export async function purgeExpiredExports(deps: ExportDeps): Promise<number> {
  const settings = { now: deps.now(), ...deps.settings };
  const purged = await deps.jobs.purgeExpired(settings, (record) =>
    purgeExport(deps, { tenant: record.tenant, jobId: record._id, status: 'expired' }),
  );
  return purged + (await deps.jobs.removeFinished(settings, (record) => forgetExport(deps, record)));
}
