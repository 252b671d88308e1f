import { capabilityStatement, R4_RESOURCE_TYPES } from '@fhir-bulk/fhir';
import { Router } from 'express';
import { baseUrlOf } from '../fhir-base';

export function metadataRoutes(publicBaseUrl: string, startedAt: Date): Router {
  const router = Router({ mergeParams: true });
  router.get('/metadata', (req, res) => {
    res.type('application/fhir+json').send(
      capabilityStatement({
        baseUrl: baseUrlOf(publicBaseUrl, req),
        software: { name: 'fhir-bulk', version: '0.1.0' },
        date: startedAt.toISOString(),
        resourceTypes: [...R4_RESOURCE_TYPES],
      }),
    );
  });
  return router;
}
