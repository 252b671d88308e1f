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
  };
}
