import { parseImportKickoff } from '@fhir-bulk/import';
import { OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import { Router } from 'express';
import { randomUUID } from 'node:crypto';
import { baseUrlOf, requestUrlOf, tenantOf } from '../fhir-base';
import type { ImportJobs } from '../import-jobs';
import { checkInputs, type InputChecks } from '../import-inputs';

/** Bulk $import kick-off: validate the Parameters and every input's source, start the job, answer 202. */
export function importKickoffRoutes(jobs: ImportJobs, checks: InputChecks, publicBaseUrl: string): Router {
  const router = Router({ mergeParams: true });
  router.post('/\\$import', async (req, res) => {
    if (!req.is(['application/json', 'application/fhir+json'])) {
      const message = `An $import body must be a Parameters resource in application/fhir+json, not ${req.get('Content-Type')}`;
      throw new OperationOutcomeError(415, outcome('error', 'not-supported', message));
    }
    const request = parseImportKickoff(req.body, req.get('Prefer'));
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
