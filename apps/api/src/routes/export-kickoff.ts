import {
  bodyParameters,
  type ExportLevel,
  type KickoffParameter,
  parseKickoff,
  queryParameters,
} from '@fhir-bulk/export';
import { OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import { type Request, type RequestHandler, Router } from 'express';
import { randomUUID } from 'node:crypto';
import type { ExportJobs } from '../export-jobs';
import { baseUrlOf, requestUrlOf, tenantOf } from '../fhir-base';

/** Kick-off endpoints: the IG's three, and `Patient/{id}/$export` (one patient, as FHIR R5 defines it). */
const ENDPOINTS: Array<[path: string, level: ExportLevel]> = [
  ['/\\$export', 'system'],
  ['/Patient/\\$export', 'patient'],
  ['/Patient/:patientId/\\$export', 'patient'],
  ['/Group/:groupId/\\$export', 'group'],
];

/** Bulk Data kick-off: validate, start the job, answer 202 with where to poll. Nothing is exported here. */
export function exportKickoffRoutes(jobs: ExportJobs, publicBaseUrl: string): Router {
  const router = Router({ mergeParams: true });
  const kickoff =
    (level: ExportLevel): RequestHandler =>
    async (req, res) => {
      checkAccept(req);
      const tenant = tenantOf(req);
      const baseUrl = baseUrlOf(publicBaseUrl, req);
      const { groupId, patientId } = req.params as { groupId?: string; patientId?: string };
      const request = parseKickoff({
        level,
        ...(groupId === undefined ? {} : { groupId }),
        ...(patientId === undefined ? {} : { patientId }),
        parameters: parametersOf(req),
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
        requestedBy: 'anonymous', // no authentication yet
      });
      res.status(202).set('Content-Location', `${baseUrl}/_export/${jobId}`).end();
    };
  // IG 3.0.0: "A server SHALL support GET requests and MAY support POST requests that supply parameters using the
  // FHIR Parameters Resource."
  for (const [path, level] of ENDPOINTS) router.get(path, kickoff(level)).post(path, kickoff(level));
  return router;
}

/** The query string's parameters, then for a POST those of its Parameters body (app.ts parses JSON bodies). */
function parametersOf(req: Request): KickoffParameter[] {
  const query = queryParameters(new URL(req.originalUrl, 'http://x').search);
  // A POST without parameters may come without a body, or with `Content-Length: 0` and no Content-Type.
  const hasBody = req.get('Transfer-Encoding') !== undefined || Number(req.get('Content-Length') ?? 0) > 0;
  if (req.method !== 'POST' || !hasBody) return query;
  if (!req.is(['application/json', 'application/fhir+json'])) {
    const message = `A POST kick-off body must be application/fhir+json, not ${req.get('Content-Type')}`;
    throw new OperationOutcomeError(415, outcome('error', 'not-supported', message));
  }
  return [...query, ...bodyParameters(req.body)];
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
