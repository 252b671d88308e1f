import { badRequest, type FhirResource, type FhirVersion, notSupported, OperationOutcomeError } from '@fhir-bulk/fhir';
import { assertValidResource } from '@fhir-bulk/validation';
import { randomUUID } from 'node:crypto';
import { checkClientWritable, checkId } from './crud';
import { parseETag } from './fhir-response';

/** One Bundle entry, parsed and validated, with its id settled (POSTs get theirs here). */
export interface PlannedEntry {
  index: number;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  type: string;
  id: string;
  resource?: FhirResource & { id: string };
  ifMatch?: number;
}

interface RawEntry {
  fullUrl?: unknown;
  resource?: unknown;
  request?: { method?: unknown; url?: unknown; ifMatch?: unknown; ifNoneExist?: unknown };
}

/** Parses one entry; throws a 400 whose expression points into the Bundle (`Bundle.entry[3].resource.birthDate`). */
export function planEntry(raw: unknown, index: number, fhirVersion: FhirVersion): PlannedEntry {
  const at = `Bundle.entry[${index}]`;
  const entry = (raw ?? {}) as RawEntry;
  const method = entry.request?.method;
  const url = entry.request?.url;
  if (method !== 'GET' && method !== 'POST' && method !== 'PUT' && method !== 'DELETE') {
    throw badRequest(`${at}.request.method must be GET, POST, PUT or DELETE`, `${at}.request.method`);
  }
  if (typeof url !== 'string' || url.length === 0)
    throw badRequest(`${at}.request.url is required`, `${at}.request.url`);
  if (url.includes('?') || entry.request?.ifNoneExist !== undefined) {
    throw notSupported(`${at}: conditional operations are not supported`, `${at}.request.url`);
  }
  const [type, id, ...rest] = url.replace(/^\//, '').split('/');
  if (!type || rest.length > 0 || (method === 'POST') !== (id === undefined)) {
    throw badRequest(`${at}.request.url "${url}" must be "Type" for POST and "Type/id" otherwise`, `${at}.request.url`);
  }
  if (method !== 'GET') checkClientWritable(type, `${at}.request.method`);
  const ifMatch = parseETag(typeof entry.request?.ifMatch === 'string' ? entry.request.ifMatch : undefined);
  if (Number.isNaN(ifMatch)) throw badRequest(`${at}.request.ifMatch is not a version ETag`, `${at}.request.ifMatch`);
  if (id !== undefined) checkId(id, `${at}.request.url`);
  const planned: PlannedEntry = { index, method, type, id: id ?? randomUUID(), ifMatch };
  if (method === 'POST' || method === 'PUT') {
    const resource = entry.resource;
    withinEntry(at, () =>
      assertValidResource(resource, { expectedType: type, requireId: method === 'PUT', fhirVersion }),
    );
    if (method === 'PUT' && (resource as FhirResource).id !== id) {
      throw badRequest(`${at}.resource.id differs from the id in request.url`, `${at}.resource.id`);
    }
    planned.resource = { ...(resource as FhirResource), id: planned.id };
  }
  return planned;
}

/** Re-homes a resource validation error inside the Bundle, so the client can find the faulty entry. */
function withinEntry<T>(at: string, validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    const issue = error.outcome.issue.map((i) => ({
      ...i,
      diagnostics: `${at}: ${i.diagnostics ?? ''}`,
      expression: i.expression?.map((e) => `${at}.resource${e.replace(/^[A-Z][A-Za-z]*/, '')}`),
    }));
    throw new OperationOutcomeError(error.status, { resourceType: 'OperationOutcome', issue }, error.headers);
  }
}

/**
 * Points references at the ids the server assigned: a `urn:uuid:` fullUrl of a POSTed entry becomes `Type/id`
 * wherever another entry of the same Bundle refers to it. Two entries with one such fullUrl (bdl-7 forbids it)
 * would make every reference to it ambiguous: refused.
 */
export function resolveReferences(entries: PlannedEntry[], rawEntries: unknown[]): void {
  const targets = new Map<string, string>();
  for (const entry of entries) {
    const fullUrl = (rawEntries[entry.index] as RawEntry | undefined)?.fullUrl;
    if (typeof fullUrl !== 'string' || !fullUrl.startsWith('urn:')) continue;
    if (targets.has(fullUrl)) {
      const at = `Bundle.entry[${entry.index}].fullUrl`;
      throw badRequest(`${at}: ${fullUrl} is the fullUrl of an earlier entry too; fullUrls must be unique`, at);
    }
    targets.set(fullUrl, `${entry.type}/${entry.id}`);
  }
  if (targets.size === 0) return;
  for (const entry of entries)
    if (entry.resource) entry.resource = rewrite(entry.resource, targets) as PlannedEntry['resource'];
}

function rewrite(value: unknown, targets: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, targets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [
        key,
        key === 'reference' && typeof v === 'string' ? (targets.get(v) ?? v) : rewrite(v, targets),
      ]),
    );
  }
  return value;
}
