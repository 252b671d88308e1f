import { badRequest, type FhirResource, type FhirVersion, fhirRelease, isObject, notSupported } from '@fhir-bulk/fhir';
import { checkId, type FhirResponse, parseCountValue, type RestContext, save, searchPage } from '@fhir-bulk/rest';
import type { StoredDocument } from '@fhir-bulk/store';
import type { Filter } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { validateView } from '@fhir-bulk/view-definition';
import { invalidView } from './view-problems';

/**
 * ViewDefinitions are stored like any resource (versions, history, tombstones, If-Match), in the resource store's
 * `ViewDefinition` collection under `_id = tenant/id`. Export never reads them: it lists only R4 resource types.
 * Reads, deletes and history are the generic ones (`@fhir-bulk/rest`); writes and search are specific, below.
 */
export const VIEW_DEFINITION = 'ViewDefinition';

/** POST [base]/ViewDefinition: the server assigns the id. */
export function createView(ctx: RestContext, body: unknown): Promise<FhirResponse> {
  ctx.authorize(VIEW_DEFINITION, 'create');
  return save(ctx, { ...checkedView(body, ctx.fhirVersion), id: randomUUID() });
}

/** PUT [base]/ViewDefinition/{id}: update, or create with the client's id. */
export function updateView(ctx: RestContext, id: string, body: unknown, ifMatch?: number): Promise<FhirResponse> {
  ctx.authorize(VIEW_DEFINITION, 'update');
  checkId(id);
  const view = checkedView(body, ctx.fhirVersion);
  if (view.id !== id) {
    throw badRequest(`The resource id "${String(view.id)}" differs from the URL id "${id}"`, 'ViewDefinition.id');
  }
  return save(ctx, { ...view, id }, ifMatch);
}

/**
 * What a stored view must be: runnable (`validateView`) over the tenant's resources, so under its FHIR version's
 * model, typed, and with a `meta` the store can stamp.
 */
function checkedView(body: unknown, version: FhirVersion): FhirResource {
  const problems = validateView(body, { fhirRelease: fhirRelease(version) });
  if (isObject(body)) {
    // validateView accepts a view without resourceType (the conformance tests have none); a stored one needs it.
    if (body.resourceType === undefined) {
      problems.unshift({ path: 'ViewDefinition.resourceType', message: 'is required: ViewDefinition' });
    }
    if (body.meta !== undefined && !isObject(body.meta)) {
      problems.push({ path: 'ViewDefinition.meta', message: 'must be a JSON object' });
    }
  }
  if (problems.length > 0) throw invalidView(problems, 400);
  return body as FhirResource;
}

const DEFAULT_COUNT = 100;

/**
 * GET [base]/ViewDefinition?params: the tenant's views, paged by key like other searches. `name` (string: starts
 * with, any case; `name:exact`), `url` (uri: exact) and `status` (token); repeated parameters AND, commas OR.
 */
export async function searchViews(ctx: RestContext, params: Array<[string, string]>): Promise<FhirResponse> {
  ctx.authorize(VIEW_DEFINITION, 'search-type');
  const conditions: Array<Filter<StoredDocument>> = [];
  let count = DEFAULT_COUNT;
  let cursor: string | undefined;
  const criteria: Array<[string, string]> = [];
  for (const [name, value] of params) {
    if (name === '_count') count = parseCountValue(value);
    else if (name === '_cursor') {
      checkId(value, '_cursor');
      cursor = value;
    } else if (name === '_format' || value === '') continue;
    else if (SEARCH_PARAMETERS.has(name)) {
      conditions.push({ $or: value.split(',').map((v) => SEARCH_PARAMETERS.get(name)!(v)) });
      criteria.push([name, value]);
    } else if (!ctx.lenient) throw notSupported(`Search parameter ${name} is not supported on ViewDefinition`, name);
  }
  const filter = conditions.length > 0 ? { $and: conditions } : undefined;
  return searchPage(ctx, VIEW_DEFINITION, { filter, criteria, count, ...(cursor !== undefined ? { cursor } : {}) });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Each parameter as a condition on one value; the FHIR string search matches from the start, ignoring case. */
const SEARCH_PARAMETERS = new Map<string, (value: string) => Filter<StoredDocument>>([
  ['name', (value) => ({ 'search.name': { $regex: `^${escapeRegExp(value)}`, $options: 'i' } })],
  ['name:exact', (value) => ({ 'search.name': value })],
  ['url', (value) => ({ 'search.url': value })],
  ['status', (value) => ({ 'search.status': value })],
]);
