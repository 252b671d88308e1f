import { isResourceType, notFound } from '@fhir-bulk/fhir';
import { create, history, processBundle, read, remove, search, update, vread } from '@fhir-bulk/rest';
import { type Request, Router } from 'express';
import { ifMatch, queryPairs, restContext, type RestDeps, send } from '../rest-http';

export type { RestDeps } from '../rest-http';

/** FHIR REST over HTTP: each route turns the request into a handler call and the handler's answer into a reply. */
export function fhirRestRoutes(deps: RestDeps): Router {
  const router = Router({ mergeParams: true });
  const ctx = restContext(deps);

  router.post('/', async (req, res) => send(res, await processBundle(ctx(req), req.body)));
  router.get('/:type', async (req, res) => send(res, await search(ctx(req), type(req), queryPairs(req))));
  router.post('/:type', async (req, res) => send(res, await create(ctx(req), type(req), req.body)));
  router.get('/:type/:id', async (req, res) => send(res, await read(ctx(req), type(req), param(req, 'id'))));
  router.put('/:type/:id', async (req, res) =>
    send(res, await update(ctx(req), type(req), param(req, 'id'), req.body, ifMatch(req))),
  );
  router.delete('/:type/:id', async (req, res) =>
    send(res, await remove(ctx(req), type(req), param(req, 'id'), ifMatch(req))),
  );
  router.get('/:type/:id/_history', async (req, res) =>
    send(res, await history(ctx(req), type(req), param(req, 'id'), queryPairs(req))),
  );
  router.get('/:type/:id/_history/:vid', async (req, res) =>
    send(res, await vread(ctx(req), type(req), param(req, 'id'), param(req, 'vid'))),
  );
  return router;
}

const param = (req: Request, name: string) => (req.params as Record<string, string>)[name]!;

function type(req: Request): string {
  const name = param(req, 'type');
  if (!isResourceType(name)) throw notFound(`Unknown resource type ${name}`);
  return name;
}
