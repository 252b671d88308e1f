import { notFound, OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import { Router } from 'express';
import type { ExportJobs } from '../export-jobs';
import { JOB_ID, tenantOf } from '../fhir-base';

/** Seconds a client should wait between polls. */
const RETRY_AFTER_SECONDS = 2;

/** Bulk Data status request: 202 + X-Progress while running, 200 + manifest when done, an outcome on failure. */
export function exportStatusRoutes(jobs: ExportJobs): Router {
  const router = Router({ mergeParams: true });
  router.get('/_export/:jobId', async (req, res) => {
    const { jobId } = req.params as { jobId: string };
    if (!JOB_ID.test(jobId)) throw notFound(`No export job ${jobId}`);
    const status = await jobs.status(tenantOf(req), jobId);
    switch (status.state) {
      case 'running': {
        const p = status.progress;
        const progress = p ? `${p.phase} (${p.typesDone}/${p.typesTotal} types)` : 'in progress';
        res
          .status(202)
          .set({ 'X-Progress': progress, 'Retry-After': String(RETRY_AFTER_SECONDS) })
          .end();
        return;
      }
      case 'completed':
        res.status(200).type('application/json').send(status.manifest);
        return;
      case 'failed':
        throw new OperationOutcomeError(500, outcome('error', 'exception', `Export failed: ${status.message}`));
      case 'cancelled':
      case 'not-found':
        throw notFound(`No export job ${jobId}`);
    }
  });
  return router;
}
