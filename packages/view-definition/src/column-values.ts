import * as fhirpath from 'fhirpath';

/** A value in a row: FHIR JSON primitives as they are written in FHIR JSON, complex elements as JSON objects. */
export type ColumnScalar = string | number | boolean | { readonly [element: string]: unknown };
/** `null` when the path yields nothing; a list for `collection: true` columns. */
export type ColumnValue = ColumnScalar | ColumnScalar[] | null;
/** A row as values in output-column order (inside the evaluator, a partial row fills only its select's slots). */
export type RowValues = ColumnValue[];

/**
 * One item of a FHIRPath result (evaluated with `resolveInternalTypes: false`) as plain JSON, or undefined for an
 * element that has no value (only an id or extensions). fhirpath.js hands out decimals, dates and quantities as
 * its own FP_* objects: decimals become numbers, the others their FHIR string form; integer64 (a BigInt) becomes a
 * string, as in FHIR JSON.
 */
export function toColumnScalar(item: unknown): ColumnScalar | undefined {
  const data: unknown = fhirpath.util.valData(item);
  switch (typeof data) {
    case 'string':
    case 'number':
    case 'boolean':
      return data;
    case 'bigint':
      return data.toString();
    case 'object':
      return data === null ? undefined : fhirpath.resolveInternalTypes(data);
    default:
      return undefined;
  }
}
