/**
 * SQL on FHIR v2 ViewDefinition (https://sql-on-fhir.org/ig/StructureDefinition-ViewDefinition.html), the parts a
 * view runner reads. Input from outside is `unknown` until `validateView` finds no problems in it.
 */
export interface ViewDefinition {
  resourceType?: 'ViewDefinition';
  name?: string;
  /** The FHIR resource type the view reads, e.g. `Patient`. */
  resource: string;
  /** FHIR versions the view was written for, e.g. `['4.0.1']`; picks the FHIRPath model. */
  fhirVersion?: string[];
  constant?: ViewConstant[];
  select: ViewSelect[];
  where?: ViewWhere[];
  [element: string]: unknown;
}

export interface ViewSelect {
  column?: ViewColumn[];
  select?: ViewSelect[];
  forEach?: string;
  forEachOrNull?: string;
  repeat?: string[];
  unionAll?: ViewSelect[];
}

export interface ViewColumn {
  name: string;
  path: string;
  /** A FHIR type, e.g. `string` or `http://hl7.org/fhir/StructureDefinition/date`. */
  type?: string;
  collection?: boolean;
  description?: string;
  tag?: ViewColumnTag[];
}

export interface ViewColumnTag {
  name: string;
  value: string;
}

export interface ViewWhere {
  path: string;
  description?: string;
}

/** A constant `%name` with exactly one `value[x]`, e.g. `{ name: 'loinc', valueUri: 'http://loinc.org' }`. */
export interface ViewConstant {
  name: string;
  [valueX: `value${string}`]: string | number | boolean | undefined;
}

/** The FHIR releases whose FHIRPath models this runner ships. */
export type FhirRelease = 'R4' | 'R5';

/** A FHIR resource as parsed JSON. */
export type FhirJson = Readonly<Record<string, unknown>>;
