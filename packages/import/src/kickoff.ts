import { badRequest, isResourceType, notSupported, OperationOutcomeError, outcome, preferHas } from '@fhir-bulk/fhir';
import type { ImportInput, ImportMode, ImportRequest } from './import-job';

const NDJSON: ImportRequest['inputFormat'] = 'application/fhir+ndjson';
/** The abbreviations the Bulk Data IG accepts for NDJSON on export, accepted here too so clients can use one set. */
const NDJSON_ALIASES = new Set([NDJSON, 'application/ndjson', 'ndjson']);
const MODES: readonly ImportMode[] = ['InitialLoad', 'IncrementalLoad'];
/** Every input is checked at kick-off and travels through workflow history, so their number is bounded. */
const MAX_INPUTS = 1000;

const CODE = ['valueString', 'valueCode'];
const URI = ['valueUri', 'valueUrl', 'valueString'];

/**
 * Validates an `$import` kick-off (the Bulk Data $import draft, as the Microsoft FHIR server takes it) into what the
 * job needs. Throws a 400 OperationOutcomeError whose message and expression name the parameter at fault, e.g.
 * `input[2].url`. Input URLs are only read here; whether the server may fetch them is source-policy.ts's question.
 */
export function parseImportKickoff(body: unknown, prefer: string | undefined): ImportRequest {
  if (!preferHas(prefer, 'respond-async')) {
    throw badRequest('The Prefer header must include respond-async for a bulk import kick-off', 'Prefer');
  }
  if (!isObject(body) || body.resourceType !== 'Parameters') {
    throw badRequest('The body of an $import kick-off must be a FHIR Parameters resource');
  }
  const parameters = new NamedElements(body.parameter, 'Parameters.parameter', '');
  const inputFormat = parseInputFormat(parameters.one('inputFormat'));
  const inputSource = parameters.one('inputSource')?.value(URI);
  const storageDetail = parseStorageDetail(parameters.one('storageDetail'));
  const mode = parseMode(parameters.one('mode'));
  const inputs = parseInputs(parameters.all('input'));
  parameters.refuseRemaining();
  return {
    inputFormat,
    ...(inputSource === undefined ? {} : { inputSource }),
    ...(storageDetail === undefined ? {} : { storageDetail }),
    mode,
    inputs,
  };
}

function parseInputFormat(parameter: NamedElement | undefined): ImportRequest['inputFormat'] {
  if (!parameter) throw required('inputFormat');
  const format = parameter.value(CODE);
  if (NDJSON_ALIASES.has(format)) return NDJSON;
  throw notSupported(`inputFormat ${format} is not supported; use ${NDJSON}`, parameter.at);
}

/** Given as a value or, as the Microsoft server has it, as parts of which `type` names the storage. */
function parseStorageDetail(parameter: NamedElement | undefined): string | undefined {
  if (!parameter) return undefined;
  if (!parameter.hasParts()) return parameter.value(CODE);
  const parts = parameter.parts();
  const type = parts.one('type');
  parts.refuseRemaining();
  if (!type) throw required(`${parameter.at}.type`);
  return type.value(CODE);
}

function parseMode(parameter: NamedElement | undefined): ImportMode {
  if (!parameter) return 'IncrementalLoad';
  const mode = parameter.value(CODE);
  const known = MODES.find((m) => m === mode);
  if (known) return known;
  throw notSupported(`mode ${mode} is not supported; use ${MODES.join(' or ')}`, parameter.at);
}

function parseInputs(parameters: NamedElement[]): ImportInput[] {
  if (parameters.length === 0) throw required('input');
  if (parameters.length > MAX_INPUTS) {
    const message = `An $import takes at most ${MAX_INPUTS} inputs, not ${parameters.length}`;
    throw new OperationOutcomeError(400, outcome('error', 'too-costly', message, 'input'));
  }
  return parameters.map((parameter, index) => {
    const at = `input[${index}]`;
    const parts = parameter.parts(at);
    const type = parts.one('type')?.value(CODE);
    const url = parts.one('url')?.value(URI);
    const etag = parts.one('etag')?.value(['valueString']);
    parts.refuseRemaining();
    if (type === undefined) throw required(`${at}.type`);
    if (!isResourceType(type)) throw badRequest(`${at}.type ${type} is not a FHIR R4 resource type`, `${at}.type`);
    if (url === undefined) throw required(`${at}.url`);
    return { type, url, ...(etag === undefined ? {} : { etag }) };
  });
}

const required = (at: string) => new OperationOutcomeError(400, outcome('error', 'required', `${at} is required`, at));

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A `Parameters.parameter` or one of its parts, with the expression that names it in errors. */
class NamedElement {
  constructor(
    readonly name: string,
    readonly at: string,
    private readonly element: Record<string, unknown>,
  ) {}

  hasParts(): boolean {
    return 'part' in this.element;
  }

  /** The one `value[x]`, of one of `types`, as a non-blank string. */
  value(types: readonly string[]): string {
    const keys = Object.keys(this.element).filter((key) => key.startsWith('value'));
    if (keys.length !== 1 || this.hasParts() || 'resource' in this.element) {
      throw badRequest(`${this.at} must have exactly one value[x] and no part or resource`, this.at);
    }
    const key = keys[0]!;
    if (!types.includes(key)) throw badRequest(`${this.at} must be a ${types.join(' or ')}, not a ${key}`, this.at);
    const value = this.element[key];
    if (typeof value !== 'string' || value.trim() === '') {
      throw badRequest(`${this.at} must be a non-empty string`, this.at);
    }
    return value.trim();
  }

  /** Its parts; `at` renames it for them, as a repeated parameter is named by its position (`input[2]`). */
  parts(at = this.at): NamedElements {
    const hasValue = Object.keys(this.element).some((key) => key.startsWith('value'));
    if (!this.hasParts() || hasValue || 'resource' in this.element) {
      throw badRequest(`${at} must have parts and no value[x] or resource`, at);
    }
    return new NamedElements(this.element.part, `${at}.part`, at);
  }
}

/**
 * Parameters or parts, read by name: each read consumes the name, so what is left at the end is exactly what this
 * server does not know, and is refused rather than ignored (an ignored part could have changed what to import).
 */
class NamedElements {
  private pending: NamedElement[];

  /** `list` is found at `listAt`; its elements are named `{prefix}.{name}` (just `{name}` at the top). */
  constructor(list: unknown, listAt: string, prefix: string) {
    if (list === undefined) list = [];
    if (!Array.isArray(list)) throw badRequest(`${listAt} must be an array`, listAt);
    this.pending = list.map((element: unknown, index) => {
      if (!isObject(element) || typeof element.name !== 'string') {
        throw badRequest(`${listAt}[${index}] needs a name`, `${listAt}[${index}]`);
      }
      return new NamedElement(element.name, prefix ? `${prefix}.${element.name}` : element.name, element);
    });
  }

  all(name: string): NamedElement[] {
    const taken = this.pending.filter((p) => p.name === name);
    this.pending = this.pending.filter((p) => p.name !== name);
    return taken;
  }

  /** A 0..1 element; given twice it is a 400, since the two could disagree. */
  one(name: string): NamedElement | undefined {
    const taken = this.all(name);
    if (taken.length > 1) throw badRequest(`${taken[0]!.at} may be given only once`, taken[0]!.at);
    return taken[0];
  }

  refuseRemaining(): void {
    const [unknown] = this.pending;
    if (unknown) throw notSupported(`${unknown.at} is not a parameter of $import on this server`, unknown.at);
  }
}
