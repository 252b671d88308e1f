import {
  capabilityStatement,
  FHIR_VERSIONS,
  type FhirVersion,
  isServerWritten,
  resourceTypesOf,
} from '@fhir-bulk/fhir';
import { importOperationDefinition } from '@fhir-bulk/import';
import { resourceCapability } from '@fhir-bulk/rest';
import { type Request, Router } from 'express';
import type { AuthApi } from '../auth-api';
import { baseUrlOf, tenantOf } from '../fhir-base';
import { checkMediaTypeVersions, type TenantVersionLookup } from '../tenant-version';
import { EXPORT_LEVELS } from './export-kickoff';
import { READ_INTERACTIONS, SYSTEM_INTERACTIONS, TYPE_INTERACTIONS } from './fhir-rest';

/**
 * The OperationDefinitions this server writes itself, by id; the statement names them under [base]. The others it
 * names are the IGs' own, by canonical URL, and not served (packages/fhir/src/capability-statement.ts says why).
 */
const OWN_OPERATION_DEFINITIONS = { import: importOperationDefinition };

/**
 * `GET [base]/metadata`, and `GET [base]/OperationDefinition/{id}` for the definitions above. Both are open (mounted
 * before authentication): they describe the API, the same for every tenant of a FHIR version (the statement names
 * the tenant's version and its resource types), hold no tenant's data, and a client reads them to learn how to call
 * the server before it has a token. They take precedence over a stored
 * OperationDefinition of the same id, which a search still finds.
 */
export function metadataRoutes(
  publicBaseUrl: string,
  startedAt: Date,
  auth: AuthApi,
  versions: TenantVersionLookup,
): Router {
  const origin = publicBaseUrl.replace(/\/$/, '');
  const oauth = auth.mode === 'smart' ? { token: auth.tokenUrl, register: `${origin}/auth/register` } : undefined;
  // AuditEvent answers the reads alone: a write of it is a 405 (isServerWritten).
  const resourcesOf = (version: FhirVersion) =>
    resourceTypesOf(version).map((type) =>
      resourceCapability(type, isServerWritten(type) ? READ_INTERACTIONS : TYPE_INTERACTIONS, version),
    );
  const resources = Object.fromEntries(FHIR_VERSIONS.map((v) => [v, resourcesOf(v)])) as Record<
    FhirVersion,
    ReturnType<typeof resourcesOf>
  >;
  const definitionUrl = (req: Request, id: string) => `${baseUrlOf(publicBaseUrl, req)}/OperationDefinition/${id}`;
  const router = Router({ mergeParams: true });
  router.get('/metadata', async (req, res) => {
    const fhirVersion = await versions.presumedVersionOf(tenantOf(req));
    checkMediaTypeVersions(req, fhirVersion);
    res.type('application/fhir+json').send(
      capabilityStatement({
        baseUrl: baseUrlOf(publicBaseUrl, req),
        fhirVersion,
        software: { name: 'fhir-bulk', version: '0.1.0' },
        date: startedAt.toISOString(),
        resources: resources[fhirVersion],
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
