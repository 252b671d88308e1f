import { type InputChecks, parseImportKickoff } from '@fhir-bulk/import';
import { Router } from 'express';
import { randomUUID } from 'node:crypto';
import { baseUrlOf, requestUrlOf, tenantOf } from '../fhir-base';
import type { ImportJobs } from '../import-jobs';
import { checkInputs } from '../import-inputs';
import { operationBody } from '../operation-body';

/** Bulk $import kick-off: validate the Parameters and every input's source, start the job, answer 202. */
export function importKickoffRoutes(jobs: ImportJobs, checks: InputChecks, publicBaseUrl: string): Router {
  const router = Router({ mergeParams: true });
  router.post('/\\$import', async (req, res) => {
    const request = parseImportKickoff(operationBody(req, '$import'), req.get('Prefer'));
    await checkInputs(request, checks);
    const tenant = tenantOf(req);
    const baseUrl = baseUrlOf(publicBaseUrl, req);
    const jobId = randomUUID();
    await jobs.start({
      ...request,
      jobId,
      tenant,
      baseUrl,
      requestUrl: requestUrlOf(publicBaseUrl, req),
      transactionTime: new Date().toISOString(),
      requestedBy: 'anonymous', // no authentication yet
    });
    res.status(202).set('Content-Location', `${baseUrl}/_import/${jobId}`).end();
  });
  return router;
}
