import { jobPrefix, OUTPUT_FILE_NAME } from '@fhir-bulk/export';
import { notFound } from '@fhir-bulk/fhir';
import type { ObjectStore } from '@fhir-bulk/object-store';
import { Router } from 'express';
import { JOB_ID, tenantOf } from '../fhir-base';
import { sendObject } from '../object-download';

/**
 * Streams an export's output file from S3 to the client; the tenant in the URL scopes what can be read, and only
 * names the export writes are looked up. HEAD answers the same headers without reading the object.
 */
export function exportFileRoutes(objects: ObjectStore): Router {
  const router = Router({ mergeParams: true });
  router.get('/_export/:jobId/files/:name', async (req, res) => {
    const { jobId, name } = req.params as { jobId: string; name: string };
    const missing = () => notFound(`No file ${name} in export ${jobId}`);
    if (!JOB_ID.test(jobId) || !OUTPUT_FILE_NAME.test(name)) throw missing();
    await sendObject(req, res, objects, `${jobPrefix(tenantOf(req), jobId)}${name}`, missing);
  });
  return router;
}
