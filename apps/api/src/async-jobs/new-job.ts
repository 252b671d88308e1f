import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
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

export const newJob = (req: Request, publicBaseUrl: string): NewJob => ({
  jobId: randomUUID(),
  tenant: tenantOf(req),
  baseUrl: baseUrlOf(publicBaseUrl, req),
  requestUrl: requestUrlOf(publicBaseUrl, req),
  transactionTime: new Date().toISOString(),
  requestedBy: principalOf(req).clientId,
});
