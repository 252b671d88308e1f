import { type ViewColumnInfo } from '@fhir-bulk/view-definition';

/**
 * How a view column is stored. Chosen from the column's FHIR type alone, before any row exists, because a Parquet
 * schema is fixed at the start of the file:
 * - `timestamp`: `instant` only. Every valid instant has seconds and an offset, so it is one exact point in time;
 *   `dateTime` may be partial (`2024`, `2024-05`) or a date without a zone, which no UTC timestamp can hold.
 * - `date`: `date`; a partial date (`1970`, `1970-05`) is refused rather than moved to a first day.
 * - `json`: complex types (HumanName, Quantity, backbone elements, …) as their FHIR JSON.
 * - everything else not listed (string, code, id, uri, dateTime, time, …) as text, exactly as FHIR JSON writes it.
 */
export type ParquetKind = 'string' | 'int32' | 'int64' | 'double' | 'boolean' | 'date' | 'timestamp' | 'json';

export interface ParquetColumn {
  name: string;
  kind: ParquetKind;
  /** Stored as a LIST (an empty collection stays an empty list, not null). */
  collection: boolean;
}

const KINDS: Record<string, ParquetKind> = {
  integer: 'int32',
  positiveInt: 'int32',
  unsignedInt: 'int32',
  integer64: 'int64',
  decimal: 'double',
  boolean: 'boolean',
  date: 'date',
  instant: 'timestamp',
};

/** FHIR primitive types kept as text: their JSON form is a string and their value space is not a Parquet type's. */
const TEXT_TYPES = new Set(
  'string code id uri url canonical oid uuid markdown base64Binary xhtml dateTime time'.split(' '),
);

export function parquetKind(fhirType: string): ParquetKind {
  return KINDS[fhirType] ?? (TEXT_TYPES.has(fhirType) ? 'string' : 'json');
}

export const parquetColumns = (columns: readonly ViewColumnInfo[]): ParquetColumn[] =>
  columns.map(({ name, type, collection }) => ({ name, kind: parquetKind(type), collection }));
