import { capabilityStatement, isServerWritten, R4_RESOURCE_TYPES } from '@fhir-bulk/fhir';
import { importOperationDefinition } from '@fhir-bulk/import';
import { resourceCapability } from '@fhir-bulk/rest';
import { type Request, Router } from 'express';
import type { AuthApi } from '../auth-api';
import { baseUrlOf } from '../fhir-base';
import { EXPORT_LEVELS } from './export-kickoff';
import { READ_INTERACTIONS, SYSTEM_INTERACTIONS, TYPE_INTERACTIONS } from './fhir-rest';

/**
 * The OperationDefinitions this server writes itself, by id; the statement names them under [base]. The others it
 * names are the IGs' own, by canonical URL, and not served (packages/fhir/src/capability-statement.ts says why).
 */
const OWN_OPERATION_DEFINITIONS = { import: importOperationDefinition };

/**
 * `GET [base]/metadata`, and `GET [base]/OperationDefinition/{id}` for the definitions above. Both are open (mounted
 * before authentication): they describe the API, the same for every tenant, hold no tenant's data, and a client
 * reads them to learn how to call the server before it has a token. They take precedence over a stored
 * OperationDefinition of the same id, which a search still finds.
 */
export function metadataRoutes(publicBaseUrl: string, startedAt: Date, auth: AuthApi): Router {
  const origin = publicBaseUrl.replace(/\/$/, '');
  const oauth = auth.mode === 'smart' ? { token: auth.tokenUrl, register: `${origin}/auth/register` } : undefined;
  // AuditEvent answers the reads alone: a write of it is a 405 (isServerWritten).
  const resources = R4_RESOURCE_TYPES.map((type) =>
    resourceCapability(type, isServerWritten(type) ? READ_INTERACTIONS : TYPE_INTERACTIONS),
  );
  const definitionUrl = (req: Request, id: string) => `${baseUrlOf(publicBaseUrl, req)}/OperationDefinition/${id}`;
  const router = Router({ mergeParams: true });
  router.get('/metadata', (req, res) => {
    res.type('application/fhir+json').send(
      capabilityStatement({
        baseUrl: baseUrlOf(publicBaseUrl, req),
        software: { name: 'fhir-bulk', version: '0.1.0' },
        date: startedAt.toISOString(),
        resources,
        systemInteractions: SYSTEM_INTERACTIONS,
        exportLevels: EXPORT_LEVELS,
        importDefinition: definitionUrl(req, 'import'),
        ...(oauth ? { oauth } : {}),
      }),
    );
  });
  for (const [id, define] of Object.entries(OWN_OPERATION_DEFINITIONS)) {
    router.get(`/OperationDefinition/${id}`, (req, res) => {
      res.type('application/fhir+json').send(define(definitionUrl(req, id)));
    });
  }
  return router;
}
