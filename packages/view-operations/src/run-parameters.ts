import {
  badRequest,
  isObject,
  type NamedElement,
  type NamedElements,
  notSupported,
  OperationOutcomeError,
  outcome,
} from '@fhir-bulk/fhir';
import { parseDateRange } from '@fhir-bulk/search';
import { type FhirJson, type RowFormat, rowFormatOf } from '@fhir-bulk/view-definition';
import { inlineResource, localId, viewReferenceId, viewResourceOf } from './view-reference';

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
 * Checks the parameters of one request (`requestParameters` of packages/fhir: the query string's, then a POST
 * body's). `viewId` is the id in an instance-level URL, which then names the view; `baseUrl` is the request's
 * [base], so that absolute references to this server are understood.
 */
export function parseRunParameters(
  parameters: NamedElements,
  { viewId, baseUrl }: { viewId?: string; baseUrl: string },
): RunRequest {
  for (const { name } of parameters.remaining()) {
    if (UNSUPPORTED.has(name)) throw notSupported(`Parameter ${name} is not supported by this server`, name);
    if (!SUPPORTED.has(name)) throw notSupported(`Unknown parameter ${name}`, name);
  }
  const request: RunRequest = {
    header: mapDefined(parameters.one('header'), booleanOf) ?? true,
    view: viewOf(parameters.one('viewResource'), parameters.one('viewReference'), viewId, baseUrl),
    patients: parameters.all('patient').map((p) => localId(p, 'Patient', baseUrl)),
  };
  const format = mapDefined(parameters.one('_format'), (p) => {
    const code = p.value(['valueCode', 'valueString']);
    return rowFormatOf(code) ?? unsupportedFormat(code);
  });
  if (format) request.format = format;
  const resources = parameters.all('resource');
  if (resources.length > 0) request.resources = resources.flatMap((p) => unwrapped(inlineResource(p)));
  const since = mapDefined(parameters.one('_since'), sinceOf);
  if (since) request.since = since;
  const limit = mapDefined(parameters.one('_limit'), limitOf);
  if (limit) request.limit = limit;
  return request;
}

const mapDefined = <T>(parameter: NamedElement | undefined, map: (p: NamedElement) => T) =>
  parameter === undefined ? undefined : map(parameter);

function viewOf(
  inline: NamedElement | undefined,
  reference: NamedElement | undefined,
  viewId: string | undefined,
  baseUrl: string,
): RunRequest['view'] {
  if (viewId !== undefined) {
    const extra = inline ?? reference;
    if (extra) throw badRequest(`${extra.name} is not allowed when the URL names the ViewDefinition`, extra.name);
    return { id: viewId };
  }
  if (inline && reference) throw badRequest('Give viewResource or viewReference, not both', 'viewReference');
  if (inline) return { resource: viewResourceOf(inline) };
  if (reference) return { id: viewReferenceId(reference, baseUrl) };
  throw new OperationOutcomeError(
    400,
    outcome('error', 'required', 'One of viewResource or viewReference is required', 'viewResource'),
  );
}

function unsupportedFormat(code: string): never {
  throw notSupported(`_format ${code} is not supported: json, ndjson or csv (or their media types)`, '_format');
}

function booleanOf(p: NamedElement): boolean {
  const value = p.primitive(['valueBoolean']);
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw badRequest(`Parameter ${p.name} must be a valueBoolean (true or false)`, p.name);
}

function limitOf(p: NamedElement): number {
  const value = p.primitive(['valueInteger', 'valuePositiveInt']);
  const limit = typeof value === 'number' || /^\d+$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw badRequest(`_limit must be a whole number of rows above 0, not ${JSON.stringify(value)}`, '_limit');
  }
  return limit;
}

/** Any FHIR instant or dateTime, as the start of its period (a dateTime without a zone is read as UTC). */
function sinceOf(p: NamedElement): Date {
  const text = p.value(['valueInstant', 'valueDateTime']);
  // An unencoded `+01:00` in a query string arrives as ` 01:00`; nothing else could have meant the space.
  const range = parseDateRange(text.replace(/ (\d{2}:\d{2})$/, '+$1'));
  if (!range) throw badRequest(`_since must be a FHIR instant such as 2024-01-31T12:00:00Z, not "${text}"`, '_since');
  return range.start;
}

/** The spec: a Bundle given as `resource` stands for its entries' resources, one level deep. */
function unwrapped(resource: FhirJson): FhirJson[] {
  if (resource.resourceType !== 'Bundle') return [resource];
  const entries: unknown[] = Array.isArray(resource.entry) ? resource.entry : [];
  return entries.flatMap((entry) => (isObject(entry) && isObject(entry.resource) ? [entry.resource] : []));
}
