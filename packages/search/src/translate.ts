/**
 * Query time: FHIR search parameters as one MongoDB filter over the keys extract.ts stores. Used by REST search and
 * by bulk export's `_typeFilter`. Filters use only operators FerretDB v1 also runs: equality (array-contains on
 * arrays), $in, $nin, $ne, $gt/$gte/$lt/$lte on scalars, $regex, $and, $or, $exists.
 *
 * Parameters AND together (repeats included); comma-separated values OR. Values may escape `\,` `\|` `\$` `\\`.
 * An empty value is ignored, as FHIR asks.
 */
import { badRequest, FHIR_ID, type FhirVersion, isResourceTypeOf } from '@fhir-bulk/fhir';
import { and, type Condition, dateCondition, or } from './date-filter';
import {
  isResourceSearchParameter,
  type ResourceSearchParameter,
  type SearchParameterDefinition,
  searchDefinitions,
} from './definitions';
import { DATES_PRESENT } from './extract';
import {
  escapeRegex,
  normalizeReference,
  normalizeString,
  referenceType,
  splitUnescaped,
  unescapeValue,
} from './values';

export interface TranslateOptions {
  /** FHIR `Prefer: handling=lenient`: skip unknown parameters (listed in `ignored`) instead of failing. */
  lenient?: boolean;
  /** The tenant's FHIR version, whose search parameters apply; R4, the default version, when not given. */
  version?: FhirVersion;
}

export interface SearchTranslation {
  filter: Condition;
  /** The unknown parameters skipped in lenient mode, as given (`foo`, `code:text` is not: a bad modifier throws). */
  ignored: string[];
  /** Result parameters, by name as given (`_include:iterate`), for the caller: they shape the response. */
  control: Record<string, string[]>;
}

export const CONTROL_PARAMETERS: ReadonlySet<string> = new Set([
  '_count',
  '_sort',
  '_elements',
  '_summary',
  '_include',
  '_revinclude',
  '_total',
  '_format',
  '_pretty',
]);

type Definition = SearchParameterDefinition | { type: ResourceSearchParameter };

export function toMongoFilter(
  type: string,
  params: Array<[name: string, value: string]>,
  options: TranslateOptions = {},
): SearchTranslation {
  const version = options.version ?? '4.0.1';
  const conditions: Condition[] = [];
  const ignored: string[] = [];
  const control: Record<string, string[]> = {};
  for (const [name, value] of params) {
    const colon = name.indexOf(':');
    const code = colon < 0 ? name : name.slice(0, colon);
    const modifier = colon < 0 ? undefined : name.slice(colon + 1);
    if (CONTROL_PARAMETERS.has(code)) {
      (control[name] ??= []).push(value);
      continue;
    }
    const definition: Definition | undefined = isResourceSearchParameter(code)
      ? { type: code }
      : searchDefinitions(version).parameter(type, code);
    if (!definition) {
      if (!options.lenient) throw badRequest(`Unknown search parameter "${code}" for ${type}`, name);
      ignored.push(name);
      continue;
    }
    const values = splitUnescaped(value, ',').filter((v) => v !== '');
    if (values.length > 0) conditions.push(translate(code, modifier, definition, values, name, version));
  }
  const filter = conditions.length === 0 ? {} : and(...conditions);
  return { filter, ignored, control };
}

function translate(
  code: string,
  modifier: string | undefined,
  def: Definition,
  values: string[],
  name: string,
  version: FhirVersion,
) {
  const unsupported = () => badRequest(`Unsupported modifier ":${modifier}" on ${def.type} parameter "${code}"`, name);
  if (modifier === 'missing' && def.type !== '_id' && def.type !== '_lastUpdated') {
    return missing(code, def.type, values, name);
  }
  switch (def.type) {
    case '_id':
      if (modifier !== undefined) throw unsupported();
      return idCondition(values.map(unescapeValue), name);
    case '_lastUpdated':
      if (modifier !== undefined) throw unsupported();
      return dateCondition({ kind: 'instant', field: 'lastUpdated' }, values.map(unescapeValue), name);
    case 'date':
      if (modifier !== undefined) throw unsupported();
      return dateCondition({ kind: 'param', code }, values.map(unescapeValue), name);
    case 'token':
      if (modifier !== undefined && modifier !== 'not') throw unsupported();
      return tokenCondition(`search.${code}`, values, modifier === 'not', name);
    case 'string':
      if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') throw unsupported();
      return stringCondition(`search.${code}`, values.map(unescapeValue), modifier);
    case 'reference':
      if (modifier !== undefined && !isResourceTypeOf(version, modifier)) throw unsupported();
      return referenceCondition(`search.${code}`, values.map(unescapeValue), modifier, def.targets, name);
  }
}

const oneOf = (field: string, keys: string[]): Condition => ({ [field]: keys.length === 1 ? keys[0] : { $in: keys } });

function idCondition(ids: string[], name: string): Condition {
  for (const id of ids) if (!FHIR_ID.test(id)) throw badRequest(`${name}: "${id}" is not a FHIR id`, name);
  return oneOf('id', ids);
}

/** `:missing=true` selects resources with no value for the parameter, `:missing=false` those with one. */
function missing(code: string, type: string, values: string[], name: string): Condition {
  if (values.length !== 1 || (values[0] !== 'true' && values[0] !== 'false')) {
    throw badRequest(`${name}: expected true or false`, name);
  }
  const isMissing = values[0] === 'true';
  if (type === 'date') return { [`search.${DATES_PRESENT}`]: isMissing ? { $ne: code } : code };
  return { [`search.${code}`]: { $exists: !isMissing } };
}

/**
 * `code` (any system), `system|code`, `system|` (any code of the system) and `|code` (a Coding or Identifier
 * without a system; primitive codes such as `gender` have none stored, so `|female` does not match them) are each
 * one stored key. `:not` selects resources with none of the keys, including those without any value (FHIR's reading).
 */
function tokenCondition(field: string, values: string[], not: boolean, name: string): Condition {
  const keys = values.map((value) => {
    const parts = splitUnescaped(value, '|').map(unescapeValue);
    const [system = '', ...rest] = parts;
    const key = parts.length === 1 ? system : `${system}|${rest.join('|')}`;
    if (key === '|') throw badRequest(`${name}: "|" names neither a system nor a code`, name);
    return key;
  });
  return not ? { [field]: { $nin: keys } } : oneOf(field, keys);
}

/**
 * Default: a normalized value starts with the normalized input (case and accent insensitive). `:contains`: contains
 * it. `:exact` is approximated as equality of normalized values, so `Smith` also matches `smith` and `Smíth`.
 */
function stringCondition(field: string, values: string[], modifier: string | undefined): Condition {
  const normalized = values.map(normalizeString);
  if (modifier === 'exact') return oneOf(field, normalized);
  const alternatives = normalized.map(escapeRegex).join('|');
  return { [field]: { $regex: modifier === 'contains' ? `(?:${alternatives})` : `^(?:${alternatives})` } };
}

/**
 * `Type/id` (or an absolute URL, reduced to its last two segments) is one stored key. A bare `id` matches that id
 * of any type (anchored regex), or the one type a Patient-only parameter such as `patient` can hold. `:Type`
 * makes a bare id `Type/id`.
 */
function referenceCondition(
  field: string,
  values: string[],
  typeModifier: string | undefined,
  targets: string[] | undefined,
  name: string,
): Condition {
  const exact: string[] = [];
  const ids: string[] = [];
  const bad = (why: string) => badRequest(`${name}: ${why}`, name);
  if (typeModifier && targets && !targets.includes(typeModifier)) throw bad(`${typeModifier} is not a target`);
  for (const value of values) {
    const type = typeModifier ?? (targets?.length === 1 ? targets[0] : undefined);
    if (!value.includes('/')) {
      if (!FHIR_ID.test(value)) throw bad(`"${value}" is not a FHIR id`);
      if (type) exact.push(`${type}/${value}`);
      else ids.push(value);
      continue;
    }
    const reference = normalizeReference(value);
    if (reference === undefined) throw bad(`"${value}" is not a reference`);
    if (typeModifier && referenceType(reference) !== typeModifier) throw bad(`"${value}" is not a ${typeModifier}`);
    exact.push(reference);
  }
  const conditions: Condition[] = [];
  if (exact.length > 0) conditions.push(oneOf(field, exact));
  if (ids.length > 0) conditions.push({ [field]: { $regex: `^[A-Za-z]+/(?:${ids.map(escapeRegex).join('|')})$` } });
  return or(...conditions);
}
