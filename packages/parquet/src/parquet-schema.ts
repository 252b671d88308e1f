import { type ParquetWriter } from 'hyparquet-writer';
import { type ParquetColumn, type ParquetKind } from './parquet-columns';

/** hyparquet's SchemaElement, reached through the writer so that hyparquet (the reader) is no direct dependency. */
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];
type Leaf = Omit<SchemaElement, 'name' | 'repetition_type'>;

/** Physical and logical types per kind; the converted types are there for readers that predate logical types. */
const LEAVES: Record<ParquetKind, Leaf> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  json: { type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' } },
  boolean: { type: 'BOOLEAN' },
  int32: { type: 'INT32' },
  int64: { type: 'INT64' },
  double: { type: 'DOUBLE' },
  date: { type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } },
  timestamp: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MILLIS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
  },
};

/**
 * The file's schema: every column optional; a collection column as the standard three-level LIST
 * (`optional group name (LIST) { repeated group list { optional element } }`), which every current reader maps to
 * a list type.
 */
export function parquetSchema(columns: readonly ParquetColumn[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'schema', num_children: columns.length }];
  for (const { name, kind, collection } of columns) {
    const leaf = LEAVES[kind];
    if (!collection) {
      schema.push({ name, repetition_type: 'OPTIONAL', ...leaf });
      continue;
    }
    schema.push(
      { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'OPTIONAL', ...leaf },
    );
  }
  return schema;
}
