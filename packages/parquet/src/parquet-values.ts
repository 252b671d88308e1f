import { type ColumnScalar, type ColumnValue } from '@fhir-bulk/view-definition';
import { type ParquetColumn, type ParquetKind } from './parquet-columns';

/** What the writer takes for one cell: days for DATE, epoch milliseconds for TIMESTAMP, a BigInt for INT64. */
export type ParquetCell = string | number | bigint | boolean | object | null;

/** A value the column's Parquet type cannot hold without changing it (e.g. a partial date in a DATE column). */
export class ParquetValueError extends Error {
  constructor(
    readonly column: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`column ${column}: ${JSON.stringify(value)} ${reason}`);
  }
}

/** One row value as the writer stores it; a collection column always yields a list. */
export function parquetCell(column: ParquetColumn, value: ColumnValue): ParquetCell {
  if (column.collection) {
    const items = value === null ? [] : Array.isArray(value) ? value : [value];
    return items.map((item) => scalarCell(column, item));
  }
  if (Array.isArray(value)) throw new ParquetValueError(column.name, value, 'is a list in a single-valued column');
  return value === null ? null : scalarCell(column, value);
}

function scalarCell({ name, kind }: ParquetColumn, value: ColumnScalar): ParquetCell {
  const cell = CONVERT[kind](value);
  if (cell === undefined) throw new ParquetValueError(name, value, `is not a valid ${kind}`);
  return cell;
}

const DAY_MS = 86_400_000;
const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** An instant as FHIR defines it: seconds and an offset are required. */
const FULL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const CONVERT: Record<ParquetKind, (value: ColumnScalar) => ParquetCell | undefined> = {
  string: (v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)),
  json: (v) => v,
  boolean: (v) => (typeof v === 'boolean' ? v : undefined),
  double: (v) => (typeof v === 'number' ? v : undefined),
  int32: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 ? v : undefined),
  // The evaluator hands out integer64 as a string (as FHIR JSON writes it), so no precision is lost on the way.
  int64: (v) =>
    typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : Number.isSafeInteger(v) ? BigInt(v as number) : undefined,
  date: (v) => {
    const ms = typeof v === 'string' && FULL_DATE.test(v) ? epochMillis(v) : undefined;
    return ms === undefined ? undefined : ms / DAY_MS;
  },
  // Milliseconds: digits after the third are dropped (FHIR allows more; DuckDB, Spark and BigQuery read ms fine).
  timestamp: (v) => (typeof v === 'string' && FULL_INSTANT.test(v) ? epochMillis(v) : undefined),
};

/** Date.parse rolls 2023-02-30 over into March; a value that does not print back the same day is refused. */
function epochMillis(text: string): number | undefined {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  return text.length > 10 || new Date(ms).toISOString().startsWith(text) ? ms : undefined;
}
