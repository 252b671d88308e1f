import { badRequest, FHIR_ID, isObject, notSupported, OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import { parseDateRange } from '@fhir-bulk/search';
import { type RowFormat, rowFormatOf } from './row-formats';
import type { FhirJson } from './view-definition';

/** One `$viewdefinition-run` parameter as sent: a query-string pair, or one `Parameters.parameter` of a POST. */
export interface RunParameter {
  name: string;
  /** The query-string text, or the body parameter's `value[x]`. */
  value?: unknown;
  /** Which `value[x]` the body parameter has (`valueReference`, …); absent for a query-string pair. */
  valueType?: string;
  /** A body parameter's `resource`. */
  resource?: unknown;
}

/** A run request, checked: https://sql-on-fhir.org/ig/latest/OperationDefinition-ViewDefinitionRun.html */
export interface RunRequest {
  /** Undefined when `_format` is absent: the caller negotiates it from `Accept`. */
  format?: RowFormat;
  /** CSV only: whether the first record names the columns (default true). */
  header: boolean;
  /** The view: inline (checked when it is compiled), or the id of a stored one. */
  view: { resource: unknown } | { id: string };
  /** Inline resources (Bundles unwrapped) to run on instead of the tenant's stored data. */
  resources?: FhirJson[];
  /** Ids of the patients whose compartments alone feed the view; empty for no restriction. */
  patients: string[];
  /** Only resources last updated after this instant. */
  since?: Date;
  /** At most this many rows. */
  limit?: number;
}

export function queryRunParameters(query: URLSearchParams): RunParameter[] {
  // FHIR search ignores empty parameters; `?_format=` chooses nothing.
  return [...query].filter(([, value]) => value.trim() !== '').map(([name, value]) => ({ name, value }));
}

export function bodyRunParameters(body: unknown): RunParameter[] {
  if (!isObject(body) || body.resourceType !== 'Parameters') {
    throw badRequest('The body of $viewdefinition-run must be a FHIR Parameters resource');
  }
  if (body.parameter === undefined) return [];
  if (!Array.isArray(body.parameter)) throw badRequest('Parameters.parameter must be a list', 'Parameters.parameter');
  return body.parameter.map((parameter: unknown, i) => {
    const at = `Parameters.parameter[${i}]`;
    if (!isObject(parameter) || typeof parameter.name !== 'string') throw badRequest(`${at} needs a name`, at);
    const { name, resource, part } = parameter;
    const valueTypes = Object.keys(parameter).filter((key) => key.startsWith('value'));
    if (valueTypes.length + (resource === undefined ? 0 : 1) > 1 || part !== undefined) {
      throw badRequest(`Parameter ${name} must have one value[x] or one resource, and no part`, name);
    }
    const valueType = valueTypes[0];
    return {
      name,
      ...(valueType === undefined ? {} : { valueType, value: parameter[valueType] }),
      ...(resource === undefined ? {} : { resource }),
    };
  });
}

/** Parameters of the operation this server does not offer; the spec asks for a 400 that names them. */
const UNSUPPORTED = new Set(['group', 'source', 'viewCanonical']);
const SUPPORTED = new Set([
  '_format',
  'header',
  'viewReference',
  'viewResource',
  'resource',
  'patient',
  '_since',
  '_limit',
]);

/**
 * Checks the parameters of one request. `viewId` is the id in an instance-level URL, which then names the view;
 * `baseUrl` is the request's [base], so that absolute references to this server are understood.
 */
export function parseRunParameters(
  parameters: readonly RunParameter[],
  { viewId, baseUrl }: { viewId?: string; baseUrl: string },
): RunRequest {
  for (const { name } of parameters) {
    if (UNSUPPORTED.has(name)) throw notSupported(`Parameter ${name} is not supported by this server`, name);
    if (!SUPPORTED.has(name)) throw notSupported(`Unknown parameter ${name}`, name);
  }
  const all = (name: string) => parameters.filter((p) => p.name === name);
  const one = (name: string) => {
    const [first, second] = all(name);
    if (second) throw badRequest(`${name} may be given only once`, name);
    return first;
  };

  const request: RunRequest = {
    header: mapDefined(one('header'), booleanOf) ?? true,
    view: viewOf(one('viewResource'), one('viewReference'), viewId, baseUrl),
    patients: all('patient').map((p) => localId(referenceOf(p), 'Patient', baseUrl, p.name)),
  };
  const format = mapDefined(one('_format'), (p) => {
    const code = textOf(p, ['valueCode', 'valueString']);
    return rowFormatOf(code) ?? unsupportedFormat(code);
  });
  if (format) request.format = format;
  const resources = all('resource');
  if (resources.length > 0) request.resources = resources.flatMap((p) => unwrapped(resourceOf(p)));
  const since = mapDefined(one('_since'), sinceOf);
  if (since) request.since = since;
  const limit = mapDefined(one('_limit'), limitOf);
  if (limit) request.limit = limit;
  return request;
}

const mapDefined = <T>(parameter: RunParameter | undefined, map: (p: RunParameter) => T) =>
  parameter === undefined ? undefined : map(parameter);

function viewOf(
  inline: RunParameter | undefined,
  reference: RunParameter | undefined,
  viewId: string | undefined,
  baseUrl: string,
): RunRequest['view'] {
  if (viewId !== undefined) {
    const extra = inline ?? reference;
    if (extra) throw badRequest(`${extra.name} is not allowed when the URL names the ViewDefinition`, extra.name);
    return { id: viewId };
  }
  if (inline && reference) throw badRequest('Give viewResource or viewReference, not both', 'viewReference');
  if (inline) return { resource: resourceOf(inline) };
  if (reference) return { id: localId(referenceOf(reference), 'ViewDefinition', baseUrl, reference.name) };
  throw new OperationOutcomeError(
    400,
    outcome('error', 'required', 'One of viewResource or viewReference is required', 'viewResource'),
  );
}

function unsupportedFormat(code: string): never {
  throw notSupported(`_format ${code} is not supported: json, ndjson or csv (or their media types)`, '_format');
}

/** `Type/id`, relative or under this server's [base], to the id. */
function localId(reference: string, type: string, baseUrl: string, name: string): string {
  const relative = reference.startsWith(`${baseUrl}/`) ? reference.slice(baseUrl.length + 1) : reference;
  const [referenced, id, ...rest] = relative.split('/');
  if (referenced !== type || id === undefined || !FHIR_ID.test(id) || rest.length > 0) {
    throw badRequest(`${name} must reference a ${type} of this server as ${type}/{id}, not "${reference}"`, name);
  }
  return id;
}

/** A query-string value, or one of the given `value[x]` as a string. */
function textOf(p: RunParameter, valueTypes: string[]): string {
  const typed = p.valueType === undefined || valueTypes.includes(p.valueType);
  if (typed && typeof p.value === 'string') return p.value.trim();
  throw badRequest(`Parameter ${p.name} must be a ${valueTypes.join(' or ')}`, p.name);
}

function referenceOf(p: RunParameter): string {
  if (p.valueType === undefined) return textOf(p, []);
  if (p.valueType === 'valueReference' && isObject(p.value) && typeof p.value.reference === 'string') {
    return p.value.reference;
  }
  throw badRequest(`Parameter ${p.name} must be a valueReference with a literal reference`, p.name);
}

function booleanOf(p: RunParameter): boolean {
  const value = p.valueType === undefined || p.valueType === 'valueBoolean' ? p.value : undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw badRequest(`Parameter ${p.name} must be a valueBoolean (true or false)`, p.name);
}

function limitOf(p: RunParameter): number {
  const typed = p.valueType === undefined || p.valueType === 'valueInteger' || p.valueType === 'valuePositiveInt';
  const limit = typed && (typeof p.value === 'number' || /^\d+$/.test(String(p.value))) ? Number(p.value) : NaN;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw badRequest(`_limit must be a whole number of rows above 0, not ${JSON.stringify(p.value)}`, '_limit');
  }
  return limit;
}

/** Any FHIR instant or dateTime, as the start of its period (a dateTime without a zone is read as UTC). */
function sinceOf(p: RunParameter): Date {
  const text = textOf(p, ['valueInstant', 'valueDateTime']);
  // An unencoded `+01:00` in a query string arrives as ` 01:00`; nothing else could have meant the space.
  const range = parseDateRange(text.replace(/ (\d{2}:\d{2})$/, '+$1'));
  if (!range) throw badRequest(`_since must be a FHIR instant such as 2024-01-31T12:00:00Z, not "${text}"`, '_since');
  return range.start;
}

function resourceOf(p: RunParameter): FhirJson {
  if (isObject(p.resource) && typeof p.resource.resourceType === 'string') return p.resource;
  throw badRequest(`Parameter ${p.name} must carry a resource (with a resourceType)`, p.name);
}

/** The spec: a Bundle given as `resource` stands for its entries' resources, one level deep. */
function unwrapped(resource: FhirJson): FhirJson[] {
  if (resource.resourceType !== 'Bundle') return [resource];
  const entries: unknown[] = Array.isArray(resource.entry) ? resource.entry : [];
  return entries.flatMap((entry) => (isObject(entry) && isObject(entry.resource) ? [entry.resource] : []));
}
