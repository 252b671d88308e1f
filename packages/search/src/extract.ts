/**
 * Write time: the search keys of a resource, stored beside it as `search` in its Mongo document, so that queries
 * (translate.ts) are plain field comparisons that MongoDB and FerretDB v1 can both run and index.
 *
 * Key shapes, one field per parameter code:
 * - token `search.<code>`: string[]. A Coding/CodeableConcept/Identifier/ContactPoint value with a system stores
 *   `code`, `system|code` and `system|`; without a system it stores `code` and `|code`. Booleans and primitive
 *   codes store their string form (`true`, `female`, `final`). Queries are then one equality/$in on the array.
 * - reference `search.<code>`: string[] of `Type/id` (see normalizeReference); a parameter restricted to Patient
 *   targets (`.where(resolve() is Patient)`) keeps only Patient references.
 * - date `search.<code>__start` / `search.<code>__end`: Dates, the earliest start and latest (exclusive) end over
 *   all the values. An open end (a Period without start or end) is an absent field, so `search._dates` lists the
 *   date codes that have any value: absent fields alone could not tell "open" from "no value".
 * - string `search.<code>`: string[] normalized by normalizeString; a HumanName contributes family, each given,
 *   prefix, suffix and text, an Address its line, city, district, state, postalCode, country and text.
 * - ViewDefinition (SQL on FHIR, no R4 type): `search.name`, `search.url`, `search.status`, each its value as it is
 *   (packages/view-operations searches them with its own semantics: name from the start in any case, or exact).
 */
import type { FhirResource, FhirVersion } from '@fhir-bulk/fhir';
import { parseDateRange } from './dates';
import { searchDefinitions } from './definitions';
import { evaluatePath, isObject } from './paths';
import { normalizeReference, normalizeString, referenceType } from './values';

export type SearchKeys = Record<string, string[] | Date>;

/** The field listing which date parameters have a value. */
export const DATES_PRESENT = '_dates';
export const dateStartKey = (code: string) => `${code}__start`;
export const dateEndKey = (code: string) => `${code}__end`;

/** The keys of `resource` under its version's parameters (R4, the default version, when not given). */
export function extractSearchKeys(resource: FhirResource, version: FhirVersion = '4.0.1'): SearchKeys {
  if (resource.resourceType === 'ViewDefinition') return viewDefinitionKeys(resource);
  const keys: SearchKeys = {};
  const dated: string[] = [];
  for (const [code, definition] of searchDefinitions(version).parameters(resource.resourceType)) {
    const values = definition.paths.flatMap((path) => evaluatePath(resource, path));
    if (definition.type === 'date') {
      const envelope = dateEnvelope(values);
      if (!envelope) continue;
      dated.push(code);
      if (envelope.start) keys[dateStartKey(code)] = envelope.start;
      if (envelope.end) keys[dateEndKey(code)] = envelope.end;
      continue;
    }
    const strings =
      definition.type === 'token'
        ? values.flatMap(tokenKeys)
        : definition.type === 'reference'
          ? values.flatMap((value) => referenceKeys(value, definition.targets))
          : values.flatMap(stringKeys);
    if (strings.length > 0) keys[code] = [...new Set(strings)];
  }
  if (dated.length > 0) keys[DATES_PRESENT] = dated;
  return keys;
}

const VIEW_DEFINITION_KEYS = ['name', 'url', 'status'] as const;

function viewDefinitionKeys(view: FhirResource): SearchKeys {
  const keys: SearchKeys = {};
  for (const key of VIEW_DEFINITION_KEYS) {
    const value = (view as Record<string, unknown>)[key];
    if (typeof value === 'string') keys[key] = [value];
  }
  return keys;
}

/** The Patient compartments (`Patient/<id>`) a resource belongs to; a Patient belongs to its own. */
export function compartmentsOf(resource: FhirResource, version: FhirVersion = '4.0.1'): string[] {
  const compartments = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) compartments.add(`Patient/${resource.id}`);
  for (const path of searchDefinitions(version).patientCompartmentPaths(resource.resourceType)) {
    for (const value of evaluatePath(resource, path)) {
      for (const reference of referenceKeys(value, ['Patient'])) compartments.add(reference);
    }
  }
  return [...compartments];
}

function tokenKeys(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'boolean' || typeof value === 'number') return [String(value)];
  if (!isObject(value)) return [];
  if (Array.isArray(value.coding)) return value.coding.flatMap(tokenKeys); // CodeableConcept
  const code = typeof value.code === 'string' ? value.code : value.value; // Coding, or Identifier/ContactPoint
  if (typeof code !== 'string') return [];
  return typeof value.system === 'string' ? [code, `${value.system}|${code}`, `${value.system}|`] : [code, `|${code}`];
}

function referenceKeys(value: unknown, targets: string[] | undefined): string[] {
  const raw = isObject(value) ? value.reference : value; // a Reference, or a canonical/uri string
  const reference = typeof raw === 'string' ? normalizeReference(raw) : undefined;
  if (reference === undefined) return [];
  if (targets && !targets.includes(referenceType(reference) ?? '')) return [];
  return [reference];
}

// HumanName and Address share only `text`, so one list of parts serves both.
const STRING_PARTS = [
  'family',
  'given',
  'prefix',
  'suffix',
  'text',
  'line',
  'city',
  'district',
  'state',
  'postalCode',
  'country',
];

function stringKeys(value: unknown): string[] {
  if (typeof value === 'string') return value ? [normalizeString(value)] : [];
  if (!isObject(value)) return [];
  return STRING_PARTS.flatMap((part) => evaluatePath(value, part).flatMap(stringKeys));
}

/** null is an open end. */
interface Envelope {
  start: Date | null;
  end: Date | null;
}

/** The envelope of every date, dateTime, instant, Period and Timing value; undefined when there is none. */
function dateEnvelope(values: unknown[]): Envelope | undefined {
  const ranges = values.flatMap(dateRanges);
  if (ranges.length === 0) return undefined;
  const pick = (dates: Array<Date | null>, better: (a: Date, b: Date) => boolean) =>
    dates.reduce<Date | null>(
      (best, d) => (best === null || d === null ? null : better(d, best) ? d : best),
      dates[0] ?? null,
    );
  return {
    start: pick(
      ranges.map((r) => r.start),
      (a, b) => a < b,
    ),
    end: pick(
      ranges.map((r) => r.end),
      (a, b) => a > b,
    ),
  };
}

function dateRanges(value: unknown): Envelope[] {
  if (typeof value === 'string') {
    const range = parseDateRange(value);
    return range ? [range] : [];
  }
  if (!isObject(value)) return [];
  if ('event' in value || 'repeat' in value) {
    // Timing: its events, and the outer limits of its repeat bounds; the schedule itself is not searchable.
    return [...evaluatePath(value, 'event'), ...evaluatePath(value, 'repeat.boundsPeriod')].flatMap(dateRanges);
  }
  // Period: a missing or unreadable bound is open; a Period with neither bound has no value.
  const start = typeof value.start === 'string' ? parseDateRange(value.start) : undefined;
  const end = typeof value.end === 'string' ? parseDateRange(value.end) : undefined;
  if (!start && !end) return [];
  return [{ start: start?.start ?? null, end: end?.end ?? null }];
}
