import { badRequest, FHIR_ID, type FhirVersion, notSupported, preferHas } from '@fhir-bulk/fhir';
import { parseElements } from './elements';
import { type ExportLevel, type ExportRequest, NDJSON, type OutputFormat, PARQUET } from './export-job';
import { parseTypes } from './export-types';
import { Handling } from './handling';
import { type KickoffParameter, ParameterList } from './kickoff-parameters';
import { parsePatients } from './patients';
import { parseTimeWindow } from './time-window';
import { parseTypeFilters } from './type-filter';
import { parseViewDefinitions } from './view-requests';

export interface KickoffInput {
  level: ExportLevel;
  /** The tenant's FHIR version: the types, search parameters and elements the request may name are its. */
  fhirVersion: FhirVersion;
  /** `Group/{id}/$export`. */
  groupId?: string;
  /** `Patient/{id}/$export` (level `patient`): the export is limited to this patient. */
  patientId?: string;
  /** Query-string parameters, then (POST) the body's. */
  parameters: KickoffParameter[];
  prefer: string | undefined;
  requestUrl: string;
}

/**
 * Every spelling of NDJSON the IG requires ("the full content type of application/fhir+ndjson as well as the
 * abbreviated representations application/ndjson and ndjson"), and the one an unencoded `+` turns into.
 */
const NDJSON_ALIASES = new Set([NDJSON, 'application/ndjson', 'ndjson', 'application/fhir ndjson']);
const PARQUET_ALIASES = new Set([PARQUET, 'parquet']);

/** The custom `includeAssociatedData` value (the IG reserves `_`-prefixed ones) asking for the `deleted` array. */
export const INCLUDE_DELETED = '_deleted';

/**
 * Validates a kick-off request into what the workflow needs. Throws a 400 OperationOutcomeError naming the
 * parameter at fault; under `Prefer: handling=lenient` what the server cannot do is skipped and listed in `ignored`.
 */
export function parseKickoff(input: KickoffInput): ExportRequest {
  const handling = new Handling(preferHas(input.prefer, 'handling=lenient'));
  // IG 3.0.0: without respond-async "the server MAY return an error or MAY process the request as if respond-async
  // was supplied": an error, so clients learn the header, unless they asked for leniency.
  if (!handling.lenient && !preferHas(input.prefer, 'respond-async')) {
    throw badRequest('The Prefer header must include respond-async for a bulk export kick-off', 'Prefer');
  }
  const { level, groupId, patientId, fhirVersion } = input;
  for (const id of [groupId, patientId]) {
    if (id !== undefined && !FHIR_ID.test(id)) throw badRequest(`"${id}" is not a FHIR id`);
  }
  const parameters = new ParameterList(input.parameters);
  const typeValues = parameters.list('_type');
  const outputFormat = parseOutputFormat(parameters.one('_outputFormat'));
  const viewRequests = parseViewDefinitions(parameters.list('_viewDefinition'), outputFormat);
  // With views the exported types are theirs, known once the API has read them; a `_type` must then agree.
  const types = viewRequests && !typeValues ? [] : parseTypes(typeValues, level, handling, fhirVersion);
  const window = parseTimeWindow(parameters.one('_since'), parameters.one('_until'));
  const typeFilters = parseTypeFilters(
    parameters.take('_typeFilter').map((p) => p.value),
    types,
    handling,
    fhirVersion,
  );
  const elements = parseElements(parameters.list('_elements'), handling, fhirVersion);
  if (viewRequests && elements) throw badRequest('_elements cannot subset the rows of a view', '_elements');
  const patients = parsePatients(parameters.take('patient'), level, patientId, handling);
  // IG 3.0.0 on the manifest's `deleted`: "When a _since timestamp is supplied in the export request, this array
  // SHOULD be populated"; `_deleted` asks for it without one (every deletion up to transactionTime).
  const includeDeleted = parseIncludeDeleted(parameters.list('includeAssociatedData'), handling) || !!window.since;
  const organizeOutputBy = parseOrganizeOutputBy(parameters.one('organizeOutputBy'), handling);
  if (viewRequests && organizeOutputBy) {
    throw badRequest('organizeOutputBy cannot group the rows of a view by patient', 'organizeOutputBy');
  }
  const allowPartialManifests = parseBoolean('allowPartialManifests', parameters.one('allowPartialManifests'));
  for (const { name } of parameters.remaining()) {
    handling.unsupported(name, `Parameter ${name} is not supported by this server`);
  }
  return {
    level,
    ...(groupId === undefined ? {} : { groupId }),
    ...(patients === undefined ? {} : { patients }),
    types,
    typesRequested: typeValues !== undefined || viewRequests !== undefined,
    outputFormat,
    ...(viewRequests === undefined ? {} : { viewRequests }),
    ...window,
    typeFilters,
    ...(elements === undefined ? {} : { elements }),
    includeDeleted,
    ...(organizeOutputBy === undefined ? {} : { organizeOutputBy }),
    allowPartialManifests,
    ignored: handling.ignored,
    requestUrl: input.requestUrl,
  };
}

/**
 * Never lenient: unlike a filter, which a client can survive being ignored, files in another format than the one
 * asked for would break the client's reader.
 */
function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || NDJSON_ALIASES.has(value)) return NDJSON;
  if (PARQUET_ALIASES.has(value)) return PARQUET;
  throw notSupported(`_outputFormat ${value} is not supported; use ${NDJSON} or ${PARQUET}`, '_outputFormat');
}

/**
 * Whether `includeAssociatedData` asks for deleted resources (`_deleted`, the one value this server declares). The
 * IG's provenance values (`LatestProvenanceResources`, `RelevantProvenanceResources`) are unsupported: both tie
 * Provenance to the resources being returned, which exports do not select Provenance by. Without them, and with
 * `_deleted`, which is not about provenance, Provenance is exported as the IG asks then: every one at system level,
 * and at Patient and Group level those about a resource in an exported patient's compartment (provenance.ts).
 */
function parseIncludeDeleted(values: string[] | undefined, handling: Handling): boolean {
  for (const value of values ?? []) {
    if (value !== INCLUDE_DELETED) {
      handling.unsupported('includeAssociatedData', `includeAssociatedData ${value} is not supported`);
    }
  }
  return values?.includes(INCLUDE_DELETED) ?? false;
}

function parseBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw badRequest(`${name} must be true or false, not "${value}"`, name);
}

/** Only `Patient` blocks are supported: the Patient compartment defines what belongs in each. */
function parseOrganizeOutputBy(value: string | undefined, handling: Handling): 'Patient' | undefined {
  if (value === undefined || value === 'Patient') return value;
  handling.unsupported('organizeOutputBy', `organizeOutputBy ${value} is not supported; only Patient is`);
  return undefined;
}
