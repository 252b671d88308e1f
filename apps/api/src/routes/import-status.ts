import type { JobRecords } from '@fhir-bulk/export';
import { ERROR_FILE_NAME, importPrefix, importProgressText } from '@fhir-bulk/import';
import { notFound, OperationOutcomeError, outcome, tooManyRequests } from '@fhir-bulk/fhir';
import type { ObjectStore } from '@fhir-bulk/object-store';
import { type Request, type Response, Router } from 'express';
import { JOB_ID, tenantOf } from '../fhir-base';
import type { ImportJobs } from '../import-jobs';
import { sendObject } from '../object-download';
import type { PollThrottle } from '../poll-throttle';

export interface ImportStatusDeps {
  jobs: ImportJobs;
  /** Job records: who owns each job (apps/api/src/async-jobs/job-access.ts). */
  records: JobRecords;
  objects: ObjectStore;
  throttle: PollThrottle;
  /** Seconds a client should wait between polls (Retry-After). */
  retryAfterSeconds: number;
}

/**
 * Import status, cancel and error-file download, as for export: 202 + X-Progress (files, bytes, resources) while
 * running, 200 + the result when done, an OperationOutcome on failure, 404 once cancelled or deleted.
 */
export function importStatusRoutes(deps: ImportStatusDeps): Router {
  const router = Router({ mergeParams: true });
  const jobIdOf = (req: Request) => {
    const { jobId } = req.params as { jobId: string };
    if (!JOB_ID.test(jobId)) throw notFound(`No import job ${jobId}`);
    return jobId;
  };

  router.get('/_import/:jobId', async (req, res) => {
    const jobId = jobIdOf(req);
    const tenant = tenantOf(req);
    const wait = deps.throttle.check(`import/${tenant}/${jobId}`);
    if (wait > 0) throw tooManyRequests(`Polled too often; wait ${wait} s between status requests`, wait);
    answer(deps, res, jobId, await deps.jobs.status(tenant, jobId));
  });

  router.delete('/_import/:jobId', async (req, res) => {
    const jobId = jobIdOf(req);
    if (!(await deps.jobs.cancel(tenantOf(req), jobId))) throw notFound(`No import job ${jobId}`);
    const message = `Import ${jobId} is cancelled (resources already imported stay); its error files are deleted`;
    res.status(202).json(outcome('information', 'informational', message));
  });

  router.get('/_import/:jobId/files/:name', async (req, res) => {
    const jobId = jobIdOf(req);
    const { name } = req.params as { name: string };
    const missing = () => notFound(`No file ${name} in import ${jobId}`);
    if (!ERROR_FILE_NAME.test(name)) throw missing();
    await sendObject(req, res, deps.objects, `${importPrefix(tenantOf(req), jobId)}${name}`, missing);
  });
  return router;
}

function answer(
  deps: ImportStatusDeps,
  res: Response,
  jobId: string,
  status: Awaited<ReturnType<ImportJobs['status']>>,
) {
  switch (status.state) {
    case 'running':
      res
        .status(202)
        .set({ 'X-Progress': importProgressText(status.progress), 'Retry-After': String(deps.retryAfterSeconds) })
        .end();
      return;
    case 'completed':
      res.status(200).json(status.result);
      return;
    case 'failed':
      // Inputs that vanished or changed are the client's to fix (422); anything else is ours (500).
      throw new OperationOutcomeError(
        status.clientFault ? 422 : 500,
        outcome('error', status.clientFault ? 'processing' : 'exception', `Import failed: ${status.message}`),
      );
    case 'gone':
      throw notFound(`No import job ${jobId}: it does not exist, or was cancelled or deleted`);
  }
}
