import { badRequest } from '@fhir-bulk/fhir';
import type { Request } from 'express';

/** Where the FHIR routes are mounted: `/` is tenant `default`; `/fhir` may prefix everything. */
export const FHIR_MOUNTS = ['/fhir/tenant/:tenantId', '/tenant/:tenantId', '/fhir', '/'];

export const DEFAULT_TENANT = 'default';
const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function tenantOf(req: Request): string {
  const tenant = (req.params as { tenantId?: string }).tenantId ?? DEFAULT_TENANT;
  if (!TENANT_ID.test(tenant))
    throw badRequest(`Invalid tenant id "${tenant}": letters, digits, _ and - only, at most 64`);
  return tenant;
}

/** The [base] URL of this request as the client sees it (public origin + mount path). */
export const baseUrlOf = (publicBaseUrl: string, req: Request) => `${withoutSlash(publicBaseUrl)}${req.baseUrl}`;

/** The URL of this request as the client sees it, query string included (the manifest's `request`). */
export const requestUrlOf = (publicBaseUrl: string, req: Request) => `${withoutSlash(publicBaseUrl)}${req.originalUrl}`;

const withoutSlash = (url: string) => url.replace(/\/$/, '');

/** Job ids are UUIDs; anything else in a job URL is answered 404 without asking Temporal or S3. */
export const JOB_ID = /^[A-Za-z0-9-]{1,64}$/;
