import type { ColumnValue } from './column-values';
import type { ViewRow } from './compile-view';
import type { ViewColumnInfo } from './view-columns';

/** The flat output formats of `$viewdefinition-run` (SQL on FHIR "Output Formats"; parquet is not offered here). */
export type RowFormat = 'json' | 'ndjson' | 'csv';

/** Each format's native media type. */
export const ROW_MEDIA_TYPES: Record<RowFormat, string> = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
};

/**
 * The default when neither `_format` nor `Accept` chooses (no Accept, or a wildcard): the spec's ndjson
 * (https://build.fhir.org/ig/HL7/sql-on-fhir/operations-common.html#output-formats: "the server SHALL use ndjson").
 */
export const DEFAULT_ROW_FORMAT: RowFormat = 'ndjson';

/** `_format` codes and media types (`application/ndjson` is the older name of NDJSON's) by what they select. */
const FORMAT_NAMES = new Map<string, RowFormat>([
  ['json', 'json'],
  ['application/json', 'json'],
  ['ndjson', 'ndjson'],
  ['application/x-ndjson', 'ndjson'],
  ['application/ndjson', 'ndjson'],
  ['csv', 'csv'],
  ['text/csv', 'csv'],
]);

/** The media types a client may `Accept`, the default's first: what no `Accept`, or `Accept: *\/*`, gets. */
export const ACCEPTED_MEDIA_TYPES: readonly string[] = [
  ROW_MEDIA_TYPES[DEFAULT_ROW_FORMAT],
  ...[...FORMAT_NAMES.keys()].filter((name) => name.includes('/') && name !== ROW_MEDIA_TYPES[DEFAULT_ROW_FORMAT]),
];

export const rowFormatOf = (name: string): RowFormat | undefined => FORMAT_NAMES.get(name.trim().toLowerCase());

/** A format as text pieces: `head`, then one `row` per row (numbered from 0), then `tail`. */
export interface RowEncoder {
  /** With parameters: UTF-8, and for CSV whether a header row is present (RFC 4180's `header` parameter). */
  contentType: string;
  head: string;
  row(row: ViewRow, index: number): string;
  tail: string;
}

export function rowEncoder(format: RowFormat, columns: readonly ViewColumnInfo[], header = true): RowEncoder {
  const contentType = `${ROW_MEDIA_TYPES[format]}; charset=utf-8`;
  switch (format) {
    case 'json':
      return { contentType, head: '[', row: (row, i) => (i === 0 ? '' : ',') + JSON.stringify(row), tail: ']' };
    case 'ndjson':
      return { contentType, head: '', row: (row) => `${JSON.stringify(row)}\n`, tail: '' };
    case 'csv': {
      const names = columns.map((c) => c.name);
      return {
        contentType: `${contentType}; header=${header ? 'present' : 'absent'}`,
        head: header ? csvRecord(names) : '',
        row: (row) => csvRecord(names.map((name) => csvField(row[name] ?? null))),
        tail: '',
      };
    }
  }
}

/**
 * One CSV cell: null is empty; strings, numbers and booleans as written in JSON without quotes; a collection or a
 * complex value (a Coding, a backbone element) as its JSON, so nothing is lost and a reader can parse it back.
 */
export function csvField(value: ColumnValue): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; records end with CRLF. */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(',')}\r\n`;
}
