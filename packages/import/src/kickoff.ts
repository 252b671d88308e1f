import {
  badRequest,
  type FhirVersion,
  isResourceTypeOf,
  isServerWritten,
  mediaTypeEssence,
  mediaTypeFhirVersion,
  type NamedElement,
  notSupported,
  OperationOutcomeError,
  outcome,
  parametersOf,
  preferHas,
  serverWrittenOnly,
} from '@fhir-bulk/fhir';
import type { ImportInput, ImportMode, ImportRequest } from './import-job';

const NDJSON: ImportRequest['inputFormat'] = 'application/fhir+ndjson';
/** The abbreviations the Bulk Data IG accepts for NDJSON on export, accepted here too so clients can use one set. */
export const IMPORT_INPUT_FORMATS: ReadonlySet<string> = new Set([NDJSON, 'application/ndjson', 'ndjson']);

/** Whether `format` is NDJSON in any of its spellings, whatever its parameters (media types ignore case). */
export const isNdjson = (format: string): boolean => IMPORT_INPUT_FORMATS.has(mediaTypeEssence(format));

/**
 * The FHIR version `format` names with its `fhirVersion` parameter when that is not the tenant's (the lines are
 * validated and stored as the tenant's version); undefined when it names the tenant's, or none.
 */
export function otherFhirVersion(format: string, fhirVersion: FhirVersion): string | undefined {
  const named = mediaTypeFhirVersion(format);
  return named === fhirVersion ? undefined : named;
}
export const IMPORT_MODES: readonly ImportMode[] = ['InitialLoad', 'IncrementalLoad'];
export const DEFAULT_IMPORT_MODE: ImportMode = 'IncrementalLoad';
/** Every input is checked at kick-off and travels through workflow history, so their number is bounded. */
export const MAX_IMPORT_INPUTS = 1000;

const CODE = ['valueString', 'valueCode'];
const URI = ['valueUri', 'valueUrl', 'valueString'];

/**
 * Validates an `$import` kick-off (the Bulk Data $import draft, as the Microsoft FHIR server takes it) into what the
 * job needs. Throws a 400 OperationOutcomeError whose message and expression name the parameter at fault, e.g.
 * `input[2].url`. Input URLs are only read here; whether the server may fetch them is source-policy.ts's question.
 */
export function parseImportKickoff(body: unknown, prefer: string | undefined, fhirVersion: FhirVersion): ImportRequest {
  if (!preferHas(prefer, 'respond-async')) {
    throw badRequest('The Prefer header must include respond-async for a bulk import kick-off', 'Prefer');
  }
  const parameters = parametersOf(body, 'an $import kick-off');
  const inputFormat = parseInputFormat(parameters.one('inputFormat'), fhirVersion);
  const inputSource = parameters.one('inputSource')?.value(URI);
  const storageDetail = parseStorageDetail(parameters.one('storageDetail'));
  const mode = parseMode(parameters.one('mode'));
  const inputs = parseInputs(parameters.all('input'), fhirVersion);
  parameters.refuseRemaining('$import');
  return {
    inputFormat,
    ...(inputSource === undefined ? {} : { inputSource }),
    ...(storageDetail === undefined ? {} : { storageDetail }),
    mode,
    inputs,
  };
}

/** NDJSON, whose `fhirVersion` parameter (`application/fhir+ndjson; fhirVersion=5.0`), if any, is the tenant's. */
function parseInputFormat(parameter: NamedElement | undefined, fhirVersion: FhirVersion): ImportRequest['inputFormat'] {
  if (!parameter) throw required('inputFormat');
  const format = parameter.value(CODE);
  if (!isNdjson(format)) throw notSupported(`inputFormat ${format} is not supported; use ${NDJSON}`, parameter.at);
  const named = otherFhirVersion(format, fhirVersion);
  if (named !== undefined) {
    const message = `inputFormat ${format} names FHIR ${named}, but this tenant speaks FHIR ${fhirVersion}`;
    throw badRequest(message, parameter.at);
  }
  return NDJSON;
}

/** Given as a value or, as the Microsoft server has it, as parts of which `type` names the storage. */
function parseStorageDetail(parameter: NamedElement | undefined): string | undefined {
  if (!parameter) return undefined;
  if (!parameter.hasParts()) return parameter.value(CODE);
  const parts = parameter.parts();
  const type = parts.one('type');
  parts.refuseRemaining('$import');
  if (!type) throw required(`${parameter.at}.type`);
  return type.value(CODE);
}

function parseMode(parameter: NamedElement | undefined): ImportMode {
  if (!parameter) return DEFAULT_IMPORT_MODE;
  const mode = parameter.value(CODE);
  const known = IMPORT_MODES.find((m) => m === mode);
  if (known) return known;
  throw notSupported(`mode ${mode} is not supported; use ${IMPORT_MODES.join(' or ')}`, parameter.at);
}

function parseInputs(parameters: NamedElement[], fhirVersion: FhirVersion): ImportInput[] {
  if (parameters.length === 0) throw required('input');
  if (parameters.length > MAX_IMPORT_INPUTS) {
    const message = `An $import takes at most ${MAX_IMPORT_INPUTS} inputs, not ${parameters.length}`;
    throw new OperationOutcomeError(400, outcome('error', 'too-costly', message, 'input'));
  }
  return parameters.map((parameter, index) => {
    const at = `input[${index}]`;
    const parts = parameter.parts(at);
    const type = parts.one('type')?.value(CODE);
    const url = parts.one('url')?.value(URI);
    const etag = parts.one('etag')?.value(['valueString']);
    parts.refuseRemaining('$import');
    if (type === undefined) throw required(`${at}.type`);
    if (!isResourceTypeOf(fhirVersion, type))
      throw badRequest(`${at}.type ${type} is not a FHIR ${fhirVersion} resource type`, `${at}.type`);
    if (isServerWritten(type)) throw serverWrittenOnly(type, 400, `${at}.type`);
    if (url === undefined) throw required(`${at}.url`);
    return { type, url, ...(etag === undefined ? {} : { etag }) };
  });
}

const required = (at: string) => new OperationOutcomeError(400, outcome('error', 'required', `${at} is required`, at));
