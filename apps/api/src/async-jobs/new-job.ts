import type { JobKind } from '@fhir-bulk/jobs';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { noteAuditJob } from '../audit/request-audit';
import { principalOf } from '../auth/principal-of';
import { baseUrlOf, requestUrlOf, tenantOf } from '../fhir-base';

/** What every asynchronous kick-off (export, import, view export) gives its new job: identity, place, owner. */
export interface NewJob {
  jobId: string;
  tenant: string;
  /** The [base] the client used; status and file URLs are built on it. */
  baseUrl: string;
  requestUrl: string;
  transactionTime: string;
  /** The client that started it: the only one (besides admins) its status, files and cancel answer. */
  requestedBy: string;
  /** The kick-off's X-Request-Id (request-log.ts): the worker's log lines for the job carry it too. */
  requestId: string;
}

export function newJob(req: Request, publicBaseUrl: string): NewJob {
  const jobId = randomUUID();
  // The kick-off's AuditEvent names the job if the kick-off is accepted.
  noteAuditJob(req.res!, jobId);
  return {
    jobId,
    tenant: tenantOf(req),
    baseUrl: baseUrlOf(publicBaseUrl, req),
    requestUrl: requestUrlOf(publicBaseUrl, req),
    transactionTime: new Date().toISOString(),
    requestedBy: principalOf(req).clientId,
    requestId: String(req.id),
  };
}

/**
 * The kick-off's line: the job it started, on the request's logger (so with its request id). `kind` is the job's
 * kind as in the worker's lines and the `BulkKind` search attribute (a view export is an export).
 */
export const logJobStarted = (req: Request, job: NewJob, kind: JobKind) =>
  req.log.info({ jobId: job.jobId, tenant: job.tenant, kind }, 'job started');
