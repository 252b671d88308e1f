import { mayBulkWrite, requirePermission } from '@fhir-bulk/auth';
import { type InputChecks, parseImportKickoff } from '@fhir-bulk/import';
import { JOB_PATHS, jobStatusUrl } from '@fhir-bulk/jobs';
import { Router } from 'express';
import { importTypesUnwritable } from '../async-jobs/job-outcomes';
import { logJobStarted, newJob } from '../async-jobs/new-job';
import { principalOf } from '../auth/principal-of';
import type { ImportJobs } from '../job-interfaces';
import { checkInputs } from '../import-inputs';
import { operationBody } from '../operation-body';
import { fhirVersionOf } from '../tenant-version';

/**
 * Bulk $import kick-off: validate the Parameters and every input's source, start the job, answer 202. Needs
 * `bulk-import/write` and create and update scopes for every input's type.
 */
export function importKickoffRoutes(jobs: ImportJobs, checks: InputChecks, publicBaseUrl: string): Router {
  const router = Router({ mergeParams: true });
  router.post('/\\$import', async (req, res) => {
    const principal = principalOf(req);
    requirePermission(principal, 'bulk-import/write');
    const request = parseImportKickoff(operationBody(req, '$import'), req.get('Prefer'), fhirVersionOf(req));
    const denied = [...new Set(request.inputs.map((input) => input.type))].filter((t) => !mayBulkWrite(principal, t));
    if (denied.length > 0) {
      throw importTypesUnwritable(denied);
    }
    const job = newJob(req, publicBaseUrl);
    await checkInputs(request, job.tenant, checks);
    await jobs.start({ ...request, ...job });
    logJobStarted(req, job, 'import');
    res
      .status(202)
      .set('Content-Location', jobStatusUrl(job.baseUrl, JOB_PATHS.import, job.jobId))
      .end();
  });
  return router;
}
