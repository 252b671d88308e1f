import { jobPrefix, NDJSON } from '@fhir-bulk/export';
import { notFound } from '@fhir-bulk/fhir';
import type { ObjectStore } from '@fhir-bulk/object-store';
import { Router } from 'express';
import { pipeline } from 'node:stream/promises';
import { JOB_ID, tenantOf } from '../fhir-base';

/** Output file names as the worker writes them (`{Type}-{partition}-{seq}.ndjson`); nothing else is served. */
const OUTPUT_FILE = /^[A-Z][A-Za-z]{1,63}-\d{1,6}-\d{1,9}\.ndjson$/;

/** Streams an export's output file from S3 to the client; the tenant in the URL scopes what can be read. */
export function exportFileRoutes(objects: ObjectStore): Router {
  const router = Router({ mergeParams: true });
  router.get('/_export/:jobId/files/:name', async (req, res) => {
    const { jobId, name } = req.params as { jobId: string; name: string };
    if (!JOB_ID.test(jobId) || !OUTPUT_FILE.test(name)) throw notFound(`No file ${name} in export ${jobId}`);
    const body = await objects.get(`${jobPrefix(tenantOf(req), jobId)}${name}`).catch((error: { name?: string }) => {
      if (error.name === 'NoSuchKey') throw notFound(`No file ${name} in export ${jobId}`);
      throw error;
    });
    res.status(200).type(NDJSON);
    await pipeline(body, res);
  });
  return router;
}
