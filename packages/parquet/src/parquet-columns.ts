import { type ViewColumnInfo, type ViewColumnTag } from '@fhir-bulk/view-definition';

/**
 * How a view column is stored. Chosen from the column's FHIR type and tags, before any row exists, because a
 * Parquet schema is fixed at the start of the file:
 * - `timestamp`: `instant`. Every valid instant has seconds and an offset, so it is one exact point in time.
 * - `date` and `dateTime` are text by default, as SQL on FHIR's columnar guidance says ("the native date and time
 *   types ... do not account for the variable precision allowed in FHIR"): `1970` and `1970-05` are valid birth
 *   dates. A view that knows its data is complete asks for a native type with the column tag `ansi/type`:
 *   `DATE` (on `date`) or `TIMESTAMP` (on `dateTime`/`instant`); a value that does not fit is then refused,
 *   never moved to a first day or a guessed zone.
 * - `json`: complex types (HumanName, Quantity, backbone elements, …) as their FHIR JSON.
 * - everything else not listed (string, code, id, uri, time, …) as text, exactly as FHIR JSON writes it.
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
  instant: 'timestamp',
};

/** FHIR primitive types kept as text: their JSON form is a string and their value space is not a Parquet type's. */
const TEXT_TYPES = new Set(
  'string code id uri url canonical oid uuid markdown base64Binary xhtml date dateTime time'.split(' '),
);

/** `ansi/type` values that choose a native type, and the FHIR types they may be put on. */
const ANSI_TYPES: Record<string, { kind: ParquetKind; on: readonly string[] }> = {
  DATE: { kind: 'date', on: ['date'] },
  TIMESTAMP: { kind: 'timestamp', on: ['dateTime', 'instant'] },
};

export function parquetKind(fhirType: string, tags: readonly ViewColumnTag[] = []): ParquetKind {
  const ansi = tags
    .find((tag) => tag.name === 'ansi/type')
    ?.value.trim()
    .toUpperCase();
  const native = ansi === undefined ? undefined : ANSI_TYPES[ansi.replace(/\(.*\)$/, '')];
  if (native?.on.includes(fhirType)) return native.kind;
  return KINDS[fhirType] ?? (TEXT_TYPES.has(fhirType) ? 'string' : 'json');
}

export const parquetColumns = (columns: readonly ViewColumnInfo[]): ParquetColumn[] =>
  columns.map(({ name, type, collection, tags }) => ({ name, kind: parquetKind(type, tags), collection }));
