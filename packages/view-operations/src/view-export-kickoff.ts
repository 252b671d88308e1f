import { badRequest, FHIR_ID, type NamedElement, notSupported, parametersOf, preferHas } from '@fhir-bulk/fhir';
import {
  CSV,
  type ExportRequest,
  NDJSON,
  type OutputFormat,
  PARQUET,
  parseTimeWindow,
  patientIdOf,
  type ViewRequest,
} from '@fhir-bulk/export';
import { viewReferenceId, viewResourceOf } from './view-reference';

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

const CODE = ['valueCode', 'valueString'];
const INSTANT = ['valueInstant', 'valueDateTime', 'valueDate', 'valueString'];

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
  /** The request's [base]: a `viewReference` under it names a view of this server. */
  baseUrl: string;
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
  const parameters = parametersOf(input.body, '$viewdefinition-export');
  const views = parameters.all('view').map((view) => viewOf(view, input.baseUrl));
  const format = parameters.one('_format')?.value(CODE);
  const patients = parameters.all('patient').map((p) => patientIdOf(p.reference()));
  const groups = parameters.all('group').map((p) => groupIdOf(p.reference()));
  const since = parameters.one('_since')?.value(INSTANT);
  const [unknown] = parameters.remaining();
  if (unknown) {
    const reason = UNSUPPORTED[unknown.name] ?? `Parameter ${unknown.name} is not known to $viewdefinition-export`;
    throw notSupported(reason, unknown.name);
  }
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
    typesRequested: true,
    outputFormat: format === undefined ? NDJSON : formatOf(format),
    viewRequests: views,
    ...window,
    typeFilters: {},
    includeDeleted: false,
    allowPartialManifests: false,
    ignored: [],
    requestUrl: input.requestUrl,
  };
}

/**
 * One `view`: exactly one of `viewReference` (a stored ViewDefinition) and `viewResource`, and an optional name.
 * Located by position (`parameter[1].part[0]`), as SQL on FHIR's examples locate them.
 */
function viewOf(parameter: NamedElement, baseUrl: string): ViewRequest {
  const parts = parameter.parts(parameter.path);
  const name = parts.one('name')?.value(['valueString']);
  const reference = parts.one('viewReference');
  const inline = parts.one('viewResource');
  parts.refuseRemaining('$viewdefinition-export');
  if ((reference === undefined) === (inline === undefined)) {
    throw badRequest('Each view needs exactly one of viewReference and viewResource', parameter.path);
  }
  const view: ViewRequest = reference
    ? { id: viewReferenceId(reference, baseUrl, reference.path), at: reference.path }
    : { resource: viewResourceOf(inline!, inline!.path), at: `${inline!.path}.resource` };
  return name === undefined ? view : { ...view, name };
}

function formatOf(value: string): OutputFormat {
  const format = FORMATS.get(value.toLowerCase());
  if (format) return format;
  throw notSupported(`_format ${value} is not supported; use parquet, ndjson or csv`, '_format');
}

function groupIdOf(ref: string): string {
  const id = /^(?:https?:\/\/[^?#]+\/)?Group\/([^/?#]+)$/.exec(ref)?.[1];
  if (id === undefined || !FHIR_ID.test(id)) throw badRequest(`group "${ref}" is not a Group reference`, 'group');
  return id;
}
