import { badRequest, FHIR_ID, notSupported, preferHas } from '@fhir-bulk/fhir';
import { CSV, type ExportRequest, NDJSON, type OutputFormat, PARQUET, type ViewRequest } from './export-job';
import { isObject } from './kickoff-parameters';
import { patientIdOf } from './patients';
import { parseTimeWindow } from './time-window';

/** `$viewdefinition-export` `_format` codes (and media types) by the files they ask for. */
const FORMATS = new Map<string, OutputFormat>([
  ['parquet', PARQUET],
  [PARQUET, PARQUET],
  ['ndjson', NDJSON],
  ['application/x-ndjson', NDJSON],
  ['application/ndjson', NDJSON],
  ['csv', CSV],
  [CSV, CSV],
]);

/** The spec's parameters this server does not implement: refused with 400, as the operation asks. */
const UNSUPPORTED: Record<string, string> = {
  clientTrackingId: 'clientTrackingId is not supported: keep the exportId of the kick-off response',
  source: 'source is not supported: views are run over this server’s data only',
};

export interface ViewExportKickoffInput {
  /** The `Parameters` body (the operation is POST only). */
  body: unknown;
  /** `ViewDefinition/{id}/$viewdefinition-export`: that view, and no `view` parameter. */
  viewId?: string;
  prefer: string | undefined;
  requestUrl: string;
}

/**
 * SQL on FHIR `$viewdefinition-export` (https://sql-on-fhir.org/ig/latest/OperationDefinition-ViewDefinitionExport)
 * as an export request the `$export` workflow runs: `view` (1..*: `name`, `viewReference` | `viewResource`),
 * `_format` (parquet, ndjson, csv; default ndjson), `patient` (0..*), `group` (0..1), `_since`. A `patient` makes it a
 * Patient-level export of those patients, a `group` a Group-level one. Throws a 400 OperationOutcomeError naming the
 * parameter at fault.
 */
export function parseViewExportKickoff(input: ViewExportKickoffInput): ExportRequest {
  if (!preferHas(input.prefer, 'respond-async')) {
    throw badRequest('The Prefer header must include respond-async for $viewdefinition-export', 'Prefer');
  }
  const parameters = parametersOf(input.body);
  const views: ViewRequest[] = [];
  const patients: string[] = [];
  const groups: string[] = [];
  let format: OutputFormat | undefined;
  let since: string | undefined;
  parameters.forEach((parameter, i) => {
    const at = `parameter[${i}]`;
    switch (parameter.name) {
      case 'view':
        views.push(viewOf(parameter, at));
        break;
      case '_format':
        if (format) throw badRequest('_format may be given only once', '_format');
        format = formatOf(primitive(parameter, at));
        break;
      case 'patient':
        patients.push(patientIdOf(reference(parameter, at)));
        break;
      case 'group':
        groups.push(groupIdOf(reference(parameter, at)));
        break;
      case '_since':
        if (since) throw badRequest('_since may be given only once', '_since');
        since = primitive(parameter, at);
        break;
      default: {
        const reason =
          UNSUPPORTED[parameter.name] ?? `Parameter ${parameter.name} is not known to $viewdefinition-export`;
        throw notSupported(reason, parameter.name);
      }
    }
  });
  if (input.viewId !== undefined) {
    if (!FHIR_ID.test(input.viewId)) throw badRequest(`"${input.viewId}" is not a FHIR id`);
    if (views.length > 0)
      throw badRequest('ViewDefinition/{id}/$viewdefinition-export takes no view parameter', 'view');
    views.push({ id: input.viewId, at: 'ViewDefinition' });
  }
  if (views.length === 0) throw badRequest('$viewdefinition-export needs at least one view parameter', 'view');
  if (groups.length > 1) throw notSupported('Only one group per export is supported', 'group');
  const window = parseTimeWindow(since, undefined);
  const uniquePatients = [...new Set(patients)];
  return {
    level: groups.length > 0 ? 'group' : uniquePatients.length > 0 ? 'patient' : 'system',
    ...(groups[0] === undefined ? {} : { groupId: groups[0] }),
    ...(uniquePatients.length > 0 ? { patients: uniquePatients } : {}),
    types: [],
    outputFormat: format ?? NDJSON,
    viewRequests: views,
    ...window,
    typeFilters: {},
    includeDeleted: false,
    allowPartialManifests: false,
    ignored: [],
    requestUrl: input.requestUrl,
  };
}

type Parameter = Record<string, unknown> & { name: string };

function parametersOf(body: unknown): Parameter[] {
  if (!isObject(body) || body.resourceType !== 'Parameters') {
    throw badRequest('The body of $viewdefinition-export must be a FHIR Parameters resource');
  }
  const list = body.parameter ?? [];
  if (!Array.isArray(list)) throw badRequest('Parameters.parameter must be an array');
  return list.map((p: unknown, i) => {
    if (!isObject(p) || typeof p.name !== 'string') throw badRequest(`parameter[${i}] needs a name`, `parameter[${i}]`);
    return p as Parameter;
  });
}

/** One `view`: exactly one of `viewReference` (a stored ViewDefinition) and `viewResource`, and an optional name. */
function viewOf(parameter: Parameter, at: string): ViewRequest {
  const parts = Array.isArray(parameter.part) ? (parameter.part as unknown[]).filter(isObject) : [];
  let view: ViewRequest = { at };
  let sources = 0;
  parts.forEach((part, j) => {
    const partAt = `${at}.part[${j}]`;
    switch (part.name) {
      case 'name':
        view = { ...view, name: primitive(part as Parameter, partAt) };
        break;
      case 'viewReference': {
        sources++;
        const ref = reference(part as Parameter, partAt);
        const id = /^ViewDefinition\/([^/]+)$/.exec(ref)?.[1];
        if (id === undefined || !FHIR_ID.test(id)) {
          throw notSupported(`viewReference "${ref}": only ViewDefinition/{id} references to this server`, partAt);
        }
        view = { ...view, id, at: partAt };
        break;
      }
      case 'viewResource':
        sources++;
        if (!isObject(part.resource)) throw badRequest('viewResource needs a resource', partAt);
        view = { ...view, resource: part.resource, at: `${partAt}.resource` };
        break;
      default:
        throw badRequest(`view has no part ${String(part.name)}`, partAt);
    }
  });
  if (sources !== 1) throw badRequest('Each view needs exactly one of viewReference and viewResource', at);
  return view;
}

function formatOf(value: string): OutputFormat {
  const format = FORMATS.get(value.trim().toLowerCase());
  if (format) return format;
  throw notSupported(`_format ${value} is not supported; use parquet, ndjson or csv`, '_format');
}

function groupIdOf(ref: string): string {
  const id = /^(?:https?:\/\/[^?#]+\/)?Group\/([^/?#]+)$/.exec(ref)?.[1];
  if (id === undefined || !FHIR_ID.test(id)) throw badRequest(`group "${ref}" is not a Group reference`, 'group');
  return id;
}

/** A parameter's one primitive `value[x]`, as text. */
function primitive(parameter: Parameter, at: string): string {
  const keys = Object.keys(parameter).filter((key) => key.startsWith('value'));
  const value = keys.length === 1 ? parameter[keys[0]!] : undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw badRequest(`${parameter.name} must have one primitive value`, at);
}

function reference(parameter: Parameter, at: string): string {
  const value = parameter.valueReference;
  if (isObject(value) && typeof value.reference === 'string') return value.reference;
  throw badRequest(`${parameter.name} must be a valueReference with a reference`, at);
}
