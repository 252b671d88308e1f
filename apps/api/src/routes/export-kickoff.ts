import { mayBulkRead, mayReadAudit, requirePermission } from '@fhir-bulk/auth';
import {
  type ExportLevel,
  type ExportRequest,
  kickoffParameters,
  parseKickoff,
  readableExport,
  refuseAuditTrail,
} from '@fhir-bulk/export';
import { AUDIT_EVENT, OperationOutcomeError, outcome, requestParameters } from '@fhir-bulk/fhir';
import { JOB_PATHS, jobStatusUrl } from '@fhir-bulk/jobs';
import type { ResourceStore } from '@fhir-bulk/store';
import { resolveViews, type StatusOf } from '@fhir-bulk/view-operations';
import { type Request, type RequestHandler, Router } from 'express';
import { logJobStarted, newJob } from '../async-jobs/new-job';
import { principalOf } from '../auth/principal-of';
import type { ExportJobs } from '../job-interfaces';
import { checkExportPatients } from '../export-patients';
import { requestUrlOf } from '../fhir-base';
import { operationBody } from '../operation-body';
import { fhirVersionOf } from '../tenant-version';

/** Kick-off endpoints: the IG's three, and `Patient/{id}/$export` (one patient, as FHIR R5 defines it). */
const ENDPOINTS: Array<[path: string, level: ExportLevel]> = [
  ['/\\$export', 'system'],
  ['/Patient/\\$export', 'patient'],
  ['/Patient/:patientId/\\$export', 'patient'],
  ['/Group/:groupId/\\$export', 'group'],
];

/** The levels kick-off answers at, which the CapabilityStatement declares as the IG's three operations. */
export const EXPORT_LEVELS: readonly ExportLevel[] = [...new Set(ENDPOINTS.map(([, level]) => level))];

export interface KickoffDeps {
  jobs: ExportJobs;
  /** Where stored ViewDefinitions are read from (Parquet exports). */
  store: ResourceStore;
  publicBaseUrl: string;
}

/** Bulk Data kick-off: validate, start the job, answer 202 with where to poll. Nothing is exported here. */
export function exportKickoffRoutes(deps: KickoffDeps): Router {
  const router = Router({ mergeParams: true });
  const kickoff =
    (level: ExportLevel): RequestHandler =>
    async (req, res) => {
      checkAccept(req);
      const { groupId, patientId } = req.params as { groupId?: string; patientId?: string };
      const request = parseKickoff({
        level,
        fhirVersion: fhirVersionOf(req),
        ...(groupId === undefined ? {} : { groupId }),
        ...(patientId === undefined ? {} : { patientId }),
        parameters: kickoffParameters(
          requestParameters(
            new URL(req.originalUrl, 'http://x').search,
            operationBody(req, '$export kick-off'),
            'a POST kick-off',
          ),
        ),
        prefer: req.get('Prefer'),
        requestUrl: requestUrlOf(deps.publicBaseUrl, req),
      });
      const { jobId, baseUrl } = await startExport(deps, req, request, () => 400);
      res
        .status(202)
        .set('Content-Location', jobStatusUrl(baseUrl, JOB_PATHS.export, jobId))
        .end();
    };
  // IG 3.0.0: "A server SHALL support GET requests and MAY support POST requests that supply parameters using the
  // FHIR Parameters Resource."
  for (const [path, level] of ENDPOINTS) router.get(path, kickoff(level)).post(path, kickoff(level));
  return router;
}

/**
 * Starts the workflow of a validated request, its views read and checked first (`viewStatus` chooses the status of
 * a view problem); every kick-off that reaches here becomes a job. Needs `bulk-export/read`, and reads only the
 * types the client's scopes read (see readableExport), AuditEvent only with `audit/read` (refuseAuditTrail).
 */
export async function startExport(
  deps: KickoffDeps,
  req: Request,
  request: ExportRequest,
  viewStatus: StatusOf,
): Promise<{ jobId: string; baseUrl: string }> {
  const principal = principalOf(req);
  requirePermission(principal, 'bulk-export/read');
  const fhirVersion = fhirVersionOf(req);
  const job = newJob(req, deps.publicBaseUrl);
  await checkExportPatients(deps.store, job.tenant, request, (req.params as { patientId?: string }).patientId);
  const resolved = request.viewRequests
    ? await resolveViews(deps.store, job.tenant, request.viewRequests, {
        level: request.level,
        fhirVersion,
        explicitTypes: request.types,
        statusOf: viewStatus,
      })
    : undefined;
  const versioned = { ...request, fhirVersion };
  const withViews = resolved ? { ...versioned, types: resolved.types, views: resolved.views } : versioned;
  if (!mayReadAudit(principal, AUDIT_EVENT)) refuseAuditTrail(withViews);
  await deps.jobs.start({
    ...readableExport(withViews, (type) => mayBulkRead(principal, type)),
    ...job,
    requiresAccessToken: true,
  });
  logJobStarted(req, job, 'export');
  return job;
}

/**
 * IG 3.0.0 on `Accept`: "Currently, only application/fhir+json is supported. A client SHOULD provide this header.
 * If omitted, the server MAY return an error or MAY process the request as if application/fhir+json was supplied."
 * Absent (or a wildcard) is taken as fhir+json, and plain JSON is accepted too since the answer is the same JSON;
 * a client that accepts neither gets 406, HTTP's status for it (the IG only asks for a 4XX with an OperationOutcome).
 */
function checkAccept(req: Request): void {
  if (req.accepts(['application/fhir+json', 'application/json'])) return;
  throw new OperationOutcomeError(
    406,
    outcome('error', 'not-supported', `Accept must allow application/fhir+json, not ${req.get('Accept')}`, 'Accept'),
  );
}
