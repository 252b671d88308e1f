import { buildManifest, type ExportedFile, type ExportJobInput, jobPrefix, manifestKey } from '@fhir-bulk/export';
import type { PatientSetRef } from '@fhir-bulk/jobs';
import type { ExportSummary } from '@fhir-bulk/workflow-contract';
import { auditAbandoned, type AuditedJob, auditCompleted } from '../job-audit';
import type { ExportDeps } from './deps';

/**
 * Writes manifest.json beside the files, then the job's metrics and its AuditEvent. A job cancelled meanwhile gets
 * none here: its cancel was recorded by the API's DELETE.
 */
export async function finalizeExport(
  deps: ExportDeps,
  { job, files, patientSet }: { job: ExportJobInput; files: ExportedFile[]; patientSet?: PatientSetRef },
): Promise<ExportSummary> {
  const manifest = buildManifest(job, files);
  const key = manifestKey(job.tenant, job.jobId);
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
  if (patientSet) await deps.patientSets.delete(patientSet);
  if (!kept) await deps.objects.deletePrefix(jobPrefix(job.tenant, job.jobId));
  return { manifestKey: key, ...metrics };
}

/**
 * A job that will not complete (cancelled, or failed for good): deletes whatever files it wrote, so nothing
 * half-done stays readable, and records how it ended. A failure is audited here; a cancel was, by the API's DELETE.
 */
export async function abandonExport(
  deps: ExportDeps,
  {
    job,
    status,
    message,
    patientSet,
  }: { job: ExportJobInput; status: 'cancelled' | 'failed'; message?: string; patientSet?: PatientSetRef },
): Promise<void> {
  await deps.objects.deletePrefix(jobPrefix(job.tenant, job.jobId));
  if (patientSet) await deps.patientSets.delete(patientSet);
  const endTime = deps.now();
  await deps.jobs.ended(job, status, endTime, message);
  await auditAbandoned(deps.audit, auditedJob(job), { status, message }, endTime);
}

/** A view export is an export job with views; its events say so. */
const auditedJob = (job: ExportJobInput): AuditedJob => ({
  kind: job.views ? 'view-export' : 'export',
  jobId: job.jobId,
  tenant: job.tenant,
  requestedBy: job.requestedBy,
});

/** Removes a completed job's outputs: a client's DELETE, or retention. Later polls answer 404. */
export async function purgeExport(
  deps: ExportDeps,
  { tenant, jobId, status }: { tenant: string; jobId: string; status: 'deleted' | 'expired' },
): Promise<void> {
  await deps.objects.deletePrefix(jobPrefix(tenant, jobId));
  await deps.jobs.purged(jobId, status);
}

/** Purges every job whose retention has run out; returns how many (the retention workflow's result). */
export function purgeExpiredExports(deps: ExportDeps): Promise<number> {
  return deps.jobs.purgeExpired({ now: deps.now(), ...deps.settings }, (record) =>
    purgeExport(deps, { tenant: record.tenant, jobId: record._id, status: 'expired' }),
  );
}
