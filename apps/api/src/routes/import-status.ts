import { JOB_PATHS } from '@fhir-bulk/jobs';
import { ERROR_FILE_NAME, importPrefix, importProgressText } from '@fhir-bulk/import';
import type { ObjectStore } from '@fhir-bulk/object-store';
import type { Response, Router } from 'express';
import { importFailed, importGone } from '../async-jobs/job-outcomes';
import { jobRoutes, stillRunning } from '../async-jobs/job-routes';
import type { ImportJobs, ImportJobStatus, JobRecordReader } from '../job-interfaces';
import type { StatusSharing } from '../async-jobs/status-snapshots';
import type { PollThrottle } from '../poll-throttle';

export interface ImportStatusDeps {
  jobs: ImportJobs;
  /** Job records: who owns each job (apps/api/src/async-jobs/job-access.ts). */
  records: JobRecordReader;
  objects: ObjectStore;
  throttle: PollThrottle;
  /** How polls of one job share status lookups (JOB_STATUS_SHARE_SECONDS). */
  statusSharing: StatusSharing;
  /** Seconds a client should wait between polls (Retry-After). */
  retryAfterSeconds: number;
}

/**
 * Import status, cancel and error-file download, as for export (the shared job routes): 202 + X-Progress (files,
 * bytes, resources) while running, 200 + the result when done, an OperationOutcome on failure, 404 once cancelled
 * or deleted.
 */
export function importStatusRoutes(deps: ImportStatusDeps, publicBaseUrl: string): Router {
  return jobRoutes({
    kind: 'import',
    path: JOB_PATHS.import,
    records: deps.records,
    throttle: deps.throttle,
    sharing: deps.statusSharing,
    publicBaseUrl,
    status: (tenant, jobId) => deps.jobs.status(tenant, jobId),
    answer: (res, status, poll) => answer(deps, res, poll.jobId, status),
    cancel: (tenant, jobId) => deps.jobs.cancel(tenant, jobId),
    files: { objects: deps.objects, names: ERROR_FILE_NAME, prefix: importPrefix },
  });
}

function answer(deps: ImportStatusDeps, res: Response, jobId: string, status: ImportJobStatus) {
  switch (status.state) {
    case 'running':
      stillRunning(res, importProgressText(status.progress), deps.retryAfterSeconds).end();
      return;
    case 'completed':
      res.status(200).json(status.result);
      return;
    case 'failed':
      throw importFailed(status.message, status.clientFault);
    case 'gone':
      throw importGone(jobId);
  }
}
