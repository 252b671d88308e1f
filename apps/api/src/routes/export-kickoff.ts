import { parseKickoff } from '@fhir-bulk/export';
import { Router } from 'express';
import { randomUUID } from 'node:crypto';
import type { ExportJobs } from '../export-jobs';
import { baseUrlOf, requestUrlOf, tenantOf } from '../fhir-base';

/** Bulk Data kick-off: validate, start the job, answer 202 with where to poll. Nothing is exported here. */
export function exportKickoffRoutes(jobs: ExportJobs, publicBaseUrl: string): Router {
  const router = Router({ mergeParams: true });
  router.get('/\\$export', async (req, res) => {
    const tenant = tenantOf(req);
    const baseUrl = baseUrlOf(publicBaseUrl, req);
    const request = parseKickoff({
      level: 'system',
      query: req.query,
      prefer: req.get('Prefer'),
      requestUrl: requestUrlOf(publicBaseUrl, req),
    });
    const jobId = randomUUID();
    await jobs.start({
      ...request,
      jobId,
      tenant,
      baseUrl,
      transactionTime: new Date().toISOString(),
      requiresAccessToken: true,
    });
    res.status(202).set('Content-Location', `${baseUrl}/_export/${jobId}`).end();
  });
  return router;
}
