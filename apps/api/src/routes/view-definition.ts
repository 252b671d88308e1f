import { history, read, remove, vread } from '@fhir-bulk/rest';
import { createView, searchViews, updateView, VIEW_DEFINITION } from '@fhir-bulk/view-operations';
import { type Request, Router } from 'express';
import { ifMatch, queryPairs, restContext, type RestDeps, send } from '../rest-http';
import { viewDefinitionRunRoutes } from './view-definition-run';

/**
 * SQL on FHIR ViewDefinitions as a resource type of each tenant. Mounted before the generic REST routes, which
 * know only R4 types and would answer 404 for this one.
 */
export function viewDefinitionRoutes(deps: RestDeps): Router {
  const router = Router({ mergeParams: true });
  const ctx = restContext(deps);
  // First: `/ViewDefinition/:id` would otherwise take `$viewdefinition-run` for an id.
  router.use(viewDefinitionRunRoutes(ctx, deps.viewRunBudget));

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

const id = (req: Request) => (req.params as { id: string }).id;
