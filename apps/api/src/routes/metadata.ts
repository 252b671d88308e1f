import { capabilityStatement, R4_RESOURCE_TYPES } from '@fhir-bulk/fhir';
import { Router } from 'express';
import type { AuthApi } from '../auth-api';
import { baseUrlOf } from '../fhir-base';

export function metadataRoutes(publicBaseUrl: string, startedAt: Date, auth: AuthApi): Router {
  const origin = publicBaseUrl.replace(/\/$/, '');
  const oauth = auth.mode === 'smart' ? { token: auth.tokenUrl, register: `${origin}/auth/register` } : undefined;
  const router = Router({ mergeParams: true });
  router.get('/metadata', (req, res) => {
    res.type('application/fhir+json').send(
      capabilityStatement({
        baseUrl: baseUrlOf(publicBaseUrl, req),
        software: { name: 'fhir-bulk', version: '0.1.0' },
        date: startedAt.toISOString(),
        resourceTypes: [...R4_RESOURCE_TYPES],
        ...(oauth ? { oauth } : {}),
      }),
    );
  });
  return router;
}
