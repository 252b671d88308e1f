import { badRequest, preferHas } from '@fhir-bulk/fhir';
import { type FhirResponse, history, parseETag, read, remove, type RestContext, vread } from '@fhir-bulk/rest';
import { createView, searchViews, updateView, VIEW_DEFINITION } from '@fhir-bulk/view-definition';
import { type Request, type Response, Router } from 'express';
import { baseUrlOf, tenantOf } from '../fhir-base';
import type { RestDeps } from './fhir-rest';
import { viewDefinitionRunRoutes } from './view-definition-run';

/**
 * SQL on FHIR ViewDefinitions as a resource type of each tenant. Mounted before the generic REST routes, which
 * know only R4 types and would answer 404 for this one.
 */
export function viewDefinitionRoutes(deps: RestDeps): Router {
  const router = Router({ mergeParams: true });
  const ctx = (req: Request): RestContext => ({
    tenant: tenantOf(req),
    baseUrl: baseUrlOf(deps.publicBaseUrl, req),
    store: deps.store,
    transactions: deps.transactions,
    lenient: preferHas(req.get('Prefer'), 'handling=lenient'),
  });
  // First: `/ViewDefinition/:id` would otherwise take `$viewdefinition-run` for an id.
  router.use(viewDefinitionRunRoutes(ctx));

  const base = `/${VIEW_DEFINITION}`;
  router.get(base, async (req, res) => send(res, await searchViews(ctx(req), queryPairs(req))));
  router.post(base, async (req, res) => send(res, await createView(ctx(req), req.body)));
  router.get(`${base}/:id`, async (req, res) => send(res, await read(ctx(req), VIEW_DEFINITION, id(req))));
  router.put(`${base}/:id`, async (req, res) => send(res, await updateView(ctx(req), id(req), req.body, ifMatch(req))));
  router.delete(`${base}/:id`, async (req, res) =>
    send(res, await remove(ctx(req), VIEW_DEFINITION, id(req), ifMatch(req))),
  );
  router.get(`${base}/:id/_history`, async (req, res) =>
    send(res, await history(ctx(req), VIEW_DEFINITION, id(req), queryPairs(req))),
  );
  router.get(`${base}/:id/_history/:vid`, async (req, res) =>
    send(res, await vread(ctx(req), VIEW_DEFINITION, id(req), (req.params as { vid: string }).vid)),
  );
  return router;
}

function send(res: Response, response: FhirResponse): void {
  res.status(response.status).set(response.headers ?? {});
  if (response.body === undefined) res.end();
  else res.type('application/fhir+json').send(response.body);
}

const id = (req: Request) => (req.params as { id: string }).id;

const queryPairs = (req: Request): Array<[string, string]> => [...new URL(req.originalUrl, 'http://x').searchParams];

function ifMatch(req: Request): number | undefined {
  const version = parseETag(req.get('If-Match'));
  if (Number.isNaN(version)) throw badRequest('If-Match must be a version ETag such as W/"3"', 'If-Match');
  return version;
}
