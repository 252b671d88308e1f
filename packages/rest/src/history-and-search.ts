import { badRequest, notSupported } from '@fhir-bulk/fhir';
import { toMongoFilter } from '@fhir-bulk/search';
import type { StoredDocument } from '@fhir-bulk/store';
import type { Filter } from 'mongodb';
import { checkId, versionUrl } from './crud';
import { etag, type FhirResponse } from './fhir-response';
import type { RestContext } from './rest-context';

const DEFAULT_COUNT = 50;
const MAX_COUNT = 1_000;
/** Result parameters this server does not implement; rejected (or ignored when lenient) rather than faked. */
const UNSUPPORTED_RESULT_PARAMS = new Set(['_sort', '_include', '_revinclude', '_elements', '_total', '_contained']);
/** The result parameters search honours (declared in the CapabilityStatement); `_cursor` is this server's paging. */
export const SEARCH_RESULT_PARAMETERS = [
  {
    name: '_count',
    type: 'number',
    documentation: `Resources per page, at most ${MAX_COUNT} (default ${DEFAULT_COUNT}); 0 answers the total alone`,
  },
  {
    name: '_summary',
    type: 'token',
    documentation: 'count (the total alone) or false; the other summaries are refused',
  },
] as const;
const HONOURED_PARAMS = new Set<string>([...SEARCH_RESULT_PARAMETERS.map((p) => p.name), '_cursor', '_format']);

/** GET [base]/{type}/{id}/_history: every version, newest first, tombstones as DELETE entries. */
export async function history(
  ctx: RestContext,
  type: string,
  id: string,
  params: Array<[string, string]>,
): Promise<FhirResponse> {
  ctx.authorize(type, 'history-instance');
  checkId(id);
  const count = parseCount(params, 1);
  const versions = await ctx.store.versions(ctx.tenant, type, id, count);
  return {
    status: 200,
    body: {
      resourceType: 'Bundle',
      type: 'history',
      total: versions.length,
      link: [{ relation: 'self', url: `${ctx.baseUrl}/${type}/${id}/_history` }],
      entry: versions.map((v) => ({
        fullUrl: `${ctx.baseUrl}/${type}/${id}`,
        ...(v.deleted ? {} : { resource: v.resource }),
        request: {
          method: v.deleted ? 'DELETE' : v.versionId === 1 ? 'POST' : 'PUT',
          url: v.versionId === 1 ? type : `${type}/${id}`,
        },
        response: {
          status: v.deleted ? '204 No Content' : v.versionId === 1 ? '201 Created' : '200 OK',
          etag: etag(v.versionId),
          lastModified: v.lastUpdated.toISOString(),
          location: versionUrl(type, id, v.versionId),
        },
      })),
    },
  };
}

/**
 * GET [base]/{type}?params: the shared search translator (also used by export's _typeFilter), paged by key so a
 * page costs the same at any depth; `next` carries the last key seen.
 */
export async function search(ctx: RestContext, type: string, params: Array<[string, string]>): Promise<FhirResponse> {
  ctx.authorize(type, 'search-type');
  const count = summaryCount(ctx, params) ?? parseCount(params, 0);
  const cursor = params.find(([name]) => name === '_cursor')?.[1];
  if (cursor !== undefined) checkId(cursor, '_cursor');
  const criteria = params.filter(([name]) => {
    if (HONOURED_PARAMS.has(name)) return false;
    if (!UNSUPPORTED_RESULT_PARAMS.has(name)) return true;
    if (ctx.lenient) return false;
    throw notSupported(`Search result parameter ${name} is not supported`, name);
  });
  const { filter } = toMongoFilter(type, criteria, { lenient: ctx.lenient, version: ctx.fhirVersion });
  return searchPage(ctx, type, { filter, criteria, count, cursor });
}

/**
 * `_summary`: `count` asks for the total alone (as `_count=0` does), `false` for the whole resources (the default);
 * the other summaries are not implemented, so they are refused (ignored when lenient) rather than faked.
 */
function summaryCount(ctx: RestContext, params: Array<[string, string]>): 0 | undefined {
  const summary = params.find(([name]) => name === '_summary')?.[1];
  if (summary === 'count') return 0;
  if (summary === undefined || summary === 'false' || ctx.lenient) return undefined;
  throw notSupported(`_summary=${summary} is not supported; count and false are`, '_summary');
}

export interface SearchPageRequest {
  filter: Filter<StoredDocument> | undefined;
  /** The search's own parameters, repeated in the page links. */
  criteria: Array<[string, string]>;
  /** Resources per page; 0 for the total alone. */
  count: number;
  /** The id of the last resource of the previous page. */
  cursor?: string;
}

/**
 * One searchset page: the current resources of `type` matching `filter` after the cursor, with the total and
 * self/next links. Paged by key, so a page costs the same at any depth; `next` carries the last key seen.
 */
export async function searchPage(
  ctx: RestContext,
  type: string,
  { filter, criteria, count, cursor }: SearchPageRequest,
): Promise<FhirResponse> {
  const afterKey = cursor === undefined ? undefined : `${ctx.tenant}/${cursor}`;
  const [docs, total] = await Promise.all([
    count === 0
      ? []
      : ctx.store
          .streamCurrent(ctx.tenant, type, { filter, afterKey, batchSize: count + 1 })
          .limit(count + 1)
          .toArray(),
    ctx.store.countCurrent(ctx.tenant, type, { filter }),
  ]);
  const page = docs.slice(0, count);
  const query = new URLSearchParams(criteria);
  query.set('_count', String(count));
  const link = [{ relation: 'self', url: `${ctx.baseUrl}/${type}?${queryWith(query, cursor)}` }];
  if (docs.length > count)
    link.push({ relation: 'next', url: `${ctx.baseUrl}/${type}?${queryWith(query, page.at(-1)!.id)}` });
  return {
    status: 200,
    body: {
      resourceType: 'Bundle',
      type: 'searchset',
      total,
      link,
      entry: page.map((doc) => ({
        fullUrl: `${ctx.baseUrl}/${type}/${doc.id}`,
        resource: doc.resource,
        search: { mode: 'match' },
      })),
    },
  };
}

function queryWith(query: URLSearchParams, cursor: string | undefined): string {
  const copy = new URLSearchParams(query);
  if (cursor !== undefined) copy.set('_cursor', cursor);
  return copy.toString();
}

function parseCount(params: Array<[string, string]>, min: 0 | 1): number {
  const raw = params.find(([name]) => name === '_count')?.[1];
  return raw === undefined ? DEFAULT_COUNT : parseCountValue(raw, min);
}

/** `_count`: a whole number from `min`, capped at MAX_COUNT; 0 (searches) asks for the total alone. */
export function parseCountValue(raw: string, min: 0 | 1 = 0): number {
  const count = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(count) || count < min) {
    const what = min === 0 ? 'a whole number ≥ 0' : 'a positive integer';
    throw badRequest(`_count must be ${what}, got "${raw}"`, '_count');
  }
  return Math.min(count, MAX_COUNT);
}
