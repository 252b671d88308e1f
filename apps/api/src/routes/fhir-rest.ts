import { badRequest, isResourceType, notFound, preferHas } from '@fhir-bulk/fhir';
import {
  create,
  type FhirResponse,
  history,
  parseETag,
  processBundle,
  read,
  remove,
  type RestContext,
  search,
  update,
  vread,
} from '@fhir-bulk/rest';
import type { ResourceStore, TransactionRunner } from '@fhir-bulk/store';
import { type Request, type Response, Router } from 'express';
import { baseUrlOf, tenantOf } from '../fhir-base';

export interface RestDeps {
  store: ResourceStore;
  transactions: TransactionRunner;
  publicBaseUrl: string;
}

/** FHIR REST over HTTP: each route turns the request into a handler call and the handler's answer into a reply. */
export function fhirRestRoutes(deps: RestDeps): Router {
  const router = Router({ mergeParams: true });
  const ctx = (req: Request): RestContext => ({
    tenant: tenantOf(req),
    baseUrl: baseUrlOf(deps.publicBaseUrl, req),
    store: deps.store,
    transactions: deps.transactions,
    lenient: preferHas(req.get('Prefer'), 'handling=lenient'),
  });

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

function send(res: Response, response: FhirResponse): void {
  res.status(response.status).set(response.headers ?? {});
  if (response.body === undefined) res.end();
  else res.type('application/fhir+json').send(response.body);
}

const param = (req: Request, name: string) => (req.params as Record<string, string>)[name]!;

function type(req: Request): string {
  const name = param(req, 'type');
  if (!isResourceType(name)) throw notFound(`Unknown resource type ${name}`);
  return name;
}

/** The query string as ordered pairs: repeated parameters stay separate (they AND in FHIR search). */
const queryPairs = (req: Request): Array<[string, string]> => [...new URL(req.originalUrl, 'http://x').searchParams];

function ifMatch(req: Request): number | undefined {
  const version = parseETag(req.get('If-Match'));
  if (Number.isNaN(version)) throw badRequest('If-Match must be a version ETag such as W/"3"', 'If-Match');
  return version;
}
