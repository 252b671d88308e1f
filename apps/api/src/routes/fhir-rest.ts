import { isResourceTypeOf, notFound } from '@fhir-bulk/fhir';
import {
  BUNDLE_TYPES,
  create,
  type FhirResponse,
  history,
  processBundle,
  read,
  remove,
  type RestContext,
  type RestInteraction,
  search,
  update,
  vread,
} from '@fhir-bulk/rest';
import { type Request, Router } from 'express';
import { ifMatch, queryPairs, restContext, type RestDeps, send } from '../rest-http';
import { fhirVersionOf } from '../tenant-version';

export type { RestDeps } from '../rest-http';

interface TypeRoute {
  interaction: RestInteraction;
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  handle(ctx: RestContext, req: Request): Promise<FhirResponse>;
}

const route = (
  interaction: RestInteraction,
  method: TypeRoute['method'],
  path: string,
  handle: TypeRoute['handle'],
): TypeRoute => ({ interaction, method, path, handle });

/** The type and instance routes, each with the interaction it implements: the CapabilityStatement declares these. */
const TYPE_ROUTES: TypeRoute[] = [
  route('search-type', 'get', '/:type', (c, r) => search(c, type(r), queryPairs(r))),
  route('create', 'post', '/:type', (c, r) => create(c, type(r), r.body)),
  route('read', 'get', '/:type/:id', (c, r) => read(c, type(r), id(r))),
  route('update', 'put', '/:type/:id', (c, r) => update(c, type(r), id(r), r.body, ifMatch(r))),
  route('delete', 'delete', '/:type/:id', (c, r) => remove(c, type(r), id(r), ifMatch(r))),
  route('history-instance', 'get', '/:type/:id/_history', (c, r) => history(c, type(r), id(r), queryPairs(r))),
  route('vread', 'get', '/:type/:id/_history/:vid', (c, r) => vread(c, type(r), id(r), param(r, 'vid'))),
];

/** What `[base]/{type}` and `[base]/{type}/{id}` answer, for every resource type alike. */
export const TYPE_INTERACTIONS: readonly RestInteraction[] = TYPE_ROUTES.map((route) => route.interaction);
/** What `[base]/{type}` answers for a type only the server writes (AuditEvent): the reads. */
export const READ_INTERACTIONS: readonly RestInteraction[] = TYPE_ROUTES.filter((route) => route.method === 'get').map(
  (route) => route.interaction,
);
/** What `POST [base]/` answers: the Bundle types processBundle takes. */
export const SYSTEM_INTERACTIONS: readonly string[] = BUNDLE_TYPES;

/** FHIR REST over HTTP: each route turns the request into a handler call and the handler's answer into a reply. */
export function fhirRestRoutes(deps: RestDeps): Router {
  const router = Router({ mergeParams: true });
  const ctx = restContext(deps);

  router.post('/', async (req, res) => send(res, await processBundle(ctx(req), req.body)));
  for (const route of TYPE_ROUTES)
    router[route.method](route.path, async (req, res) => send(res, await route.handle(ctx(req), req)));
  return router;
}

const param = (req: Request, name: string) => (req.params as Record<string, string>)[name]!;
const id = (req: Request) => param(req, 'id');

function type(req: Request): string {
  const name = param(req, 'type');
  const version = fhirVersionOf(req);
  if (!isResourceTypeOf(version, name))
    throw notFound(`Unknown resource type ${name} (this tenant speaks FHIR ${version})`);
  return name;
}
