import { requireAccess } from '@fhir-bulk/auth';
import { badRequest, preferHas } from '@fhir-bulk/fhir';
import { type FhirResponse, parseETag, type RestContext } from '@fhir-bulk/rest';
import type { ResourceStore, TransactionRunner } from '@fhir-bulk/store';
import type { RunBudget } from '@fhir-bulk/view-operations';
import type { Request, Response } from 'express';
import { principalOf } from './auth/principal-of';
import { baseUrlOf, tenantOf } from './fhir-base';
import { fhirVersionOf } from './tenant-version';

/** What the FHIR REST routes need: the stores, and the public URL that resource URLs are built on. */
export interface RestDeps {
  store: ResourceStore;
  transactions: TransactionRunner;
  publicBaseUrl: string;
  /** What one `$viewdefinition-run` may cost. */
  viewRunBudget: RunBudget;
}

/**
 * The REST handlers' context for one request: its tenant, its [base], lenient handling if asked for, and the
 * caller's SMART scopes as the check every handler runs.
 */
export const restContext =
  (deps: RestDeps) =>
  (req: Request): RestContext => ({
    tenant: tenantOf(req),
    fhirVersion: fhirVersionOf(req),
    baseUrl: baseUrlOf(deps.publicBaseUrl, req),
    store: deps.store,
    transactions: deps.transactions,
    lenient: preferHas(req.get('Prefer'), 'handling=lenient'),
    authorize: (type, interaction) => requireAccess(principalOf(req), type, interaction),
  });

/** Writes a handler's answer: status, headers, and the body as FHIR JSON. */
export function send(res: Response, response: FhirResponse): void {
  res.status(response.status).set(response.headers ?? {});
  if (response.body === undefined) res.end();
  else res.type('application/fhir+json').send(response.body);
}

/**
 * The query string as ordered pairs: repeated parameters stay separate (they AND in FHIR search). Broken
 * percent-encoding is refused: URLSearchParams would decode it to U+FFFD and search for a value nobody sent.
 */
export function queryPairs(req: Request): Array<[string, string]> {
  const url = new URL(req.originalUrl, 'http://x');
  for (const pair of url.search.slice(1).split('&')) {
    try {
      decodeURIComponent(pair);
    } catch {
      throw badRequest(`The query parameter ${pair} is not correctly percent-encoded (RFC 3986, UTF-8)`);
    }
  }
  return [...url.searchParams];
}

/** The version an If-Match header names (W/"3"), if any. */
export function ifMatch(req: Request): number | undefined {
  const version = parseETag(req.get('If-Match'));
  if (Number.isNaN(version)) throw badRequest('If-Match must be a version ETag such as W/"3"', 'If-Match');
  return version;
}
