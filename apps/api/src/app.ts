import type { AuditRecorder } from '@fhir-bulk/audit';
import type { Logger } from '@fhir-bulk/logging';
import type { ApiMetrics } from '@fhir-bulk/metrics';
import type { AuthApi } from './auth-api';
import { auditRequests } from './audit/request-audit';
import { authenticate, requireTenantAccess } from './auth/authenticate';
import { checkBodyShape, requireUtf8 } from './body-shape';
import { authClientRoutes } from './routes/auth-clients';
import { authTokenRoutes } from './routes/auth-token';
import { smartConfigurationRoutes } from './routes/smart-configuration';
import express, { type Express } from 'express';
import { errorHandler, notFoundHandler } from './error-handler';
import { FHIR_MOUNTS } from './fhir-base';
import { fhirRestRoutes, type RestDeps } from './routes/fhir-rest';
import { exportKickoffRoutes } from './routes/export-kickoff';
import { type ExportStatusDeps, exportStatusRoutes } from './routes/export-status';
import type { ImportApi } from './import-api';
import { importKickoffRoutes } from './routes/import-kickoff';
import { importStatusRoutes } from './routes/import-status';
import { type JobListDeps, jobListingRoutes } from './routes/job-listing';
import { bulkSubmitRoutes } from './routes/bulk-submit';
import { bulkSubmitStatusRoutes } from './routes/bulk-submit-status';
import { healthRoutes, type ReadinessCheck } from './routes/health';
import { markFhirBase, recordRequests } from './http-metrics';
import { metricsRoutes } from './routes/metrics';
import { metadataRoutes } from './routes/metadata';
import { viewDefinitionRoutes } from './routes/view-definition';
import { viewExportRoutes } from './routes/view-export';
import { keepViewRunText } from './view-run-body';
import { requestLog } from './request-log';
import { strictTransportSecurity } from './transport';
import { resolveFhirVersion, type TenantVersionLookup } from './tenant-version';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface AppDeps {
  logger: Logger;
  metrics: ApiMetrics;
  auth: AuthApi;
  /** Where the AuditEvents of requests and tokens are queued (an AuditTrail, flushed in the background). */
  audit: AuditRecorder;
  exports: ExportStatusDeps;
  imports: ImportApi;
  /** `[base]/_jobs`: the job records and where the Temporal UI shows each job. */
  jobList: Omit<JobListDeps, 'publicBaseUrl'>;
  rest: Omit<RestDeps, 'publicBaseUrl'>;
  /** Each tenant's FHIR version (the store's record of it). */
  tenantVersions: TenantVersionLookup;
  /** Request bodies above this size are refused with 413. */
  bodyLimitBytes?: number;
  publicBaseUrl: string;
  /** Served over TLS (createApiServer): every response says Strict-Transport-Security. */
  tls?: boolean;
  readiness: Record<string, ReadinessCheck>;
  startedAt?: Date;
}

/** The HTTP surface. It maps requests to domain calls and back; it does no bulk work itself. */
export function createApp({
  logger,
  metrics,
  auth,
  audit,
  exports,
  imports,
  jobList,
  rest,
  tenantVersions,
  publicBaseUrl,
  tls = false,
  readiness,
  startedAt = new Date(),
  bodyLimitBytes = 10 * 1024 * 1024,
}: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  // First: every later line of a request, the error handler's too, carries its request id.
  app.use(requestLog(logger));
  if (tls) app.use(strictTransportSecurity);
  app.use(recordRequests(metrics));
  app.use(healthRoutes(readiness));
  app.use(metricsRoutes(metrics));
  // The OAuth endpoints parse their own bodies (a form; JSON after the admin check) and answer as OAuth does.
  app.use(authTokenRoutes(auth, audit, publicBaseUrl));
  app.use(authClientRoutes(auth));
  // Bodies must be UTF-8; a $viewdefinition-run body's text is kept, to read its resources' decimals as written.
  const verify = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    requireUtf8(req, res, body);
    keepViewRunText(req, body);
  };
  app.use(express.json({ type: ['application/json', 'application/fhir+json'], limit: bodyLimitBytes, verify }));

  const fhir = express.Router({ mergeParams: true });
  fhir.use(markFhirBase);
  // Open: what a client reads before it has a token.
  fhir.use(metadataRoutes(publicBaseUrl, startedAt, auth, tenantVersions));
  fhir.use(smartConfigurationRoutes(auth, publicBaseUrl));
  // Every request from here on is audited once its response ends (the ones above read no data).
  fhir.use(auditRequests(audit, publicBaseUrl));
  // Everything after this needs a token, and a client may act only in its own tenants; bodies must be FHIR JSON.
  fhir.use(authenticate(auth), requireTenantAccess, checkBodyShape, resolveFhirVersion(tenantVersions));
  const kickoff = { jobs: exports.jobs, store: rest.store, publicBaseUrl };
  fhir.use(exportKickoffRoutes(kickoff));
  fhir.use(exportStatusRoutes(exports));
  fhir.use(importKickoffRoutes(imports.jobs, imports.checks, publicBaseUrl));
  fhir.use(importStatusRoutes(imports, publicBaseUrl));
  fhir.use(bulkSubmitRoutes(imports, publicBaseUrl));
  fhir.use(bulkSubmitStatusRoutes(imports, publicBaseUrl));
  fhir.use(viewExportRoutes(kickoff, exports));
  fhir.use(jobListingRoutes({ ...jobList, publicBaseUrl }));
  fhir.use(viewDefinitionRoutes({ ...rest, publicBaseUrl }));
  // Last: its `/:type/:id` patterns would otherwise shadow the operation routes above.
  fhir.use(fhirRestRoutes({ ...rest, publicBaseUrl }));
  for (const mount of FHIR_MOUNTS) app.use(mount, fhir);

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
