import { type Writable } from 'node:stream';
import { type RowValues, type ViewColumnInfo } from '@fhir-bulk/view-definition';
import { ParquetWriter } from 'hyparquet-writer';
import { parquetColumns } from './parquet-columns';
import { parquetSchema } from './parquet-schema';
import { type ParquetCell, parquetCell } from './parquet-values';
import { SinkWriter } from './sink-writer';

export interface ParquetWriteOptions {
  /** Rows per row group; memory holds one group's rows and its encoded bytes (default 100,000). */
  rowGroupSize?: number;
}

export interface ParquetWriteResult {
  rows: number;
  bytes: number;
}

const DEFAULT_ROW_GROUP_SIZE = 100_000;

/**
 * Writes view rows (values in `columns` order, as `ViewEvaluator.tuples` makes them) as one SNAPPY-compressed
 * Parquet file into `sink`, a row group at a time, and ends `sink`. For S3, pass the PassThrough an upload reads
 * from and await the upload after this resolves. Throws `ParquetValueError` for a value its column cannot hold; on
 * any failure `sink` is destroyed with the error, so an upload aborts instead of completing a truncated file.
 */
export async function writeParquet(
  rows: AsyncIterable<RowValues> | Iterable<RowValues>,
  columns: readonly ViewColumnInfo[],
  sink: Writable,
  { rowGroupSize = DEFAULT_ROW_GROUP_SIZE }: ParquetWriteOptions = {},
): Promise<ParquetWriteResult> {
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) throw new RangeError('rowGroupSize must be ≥ 1');
  const layout = parquetColumns(columns);
  const writer = new SinkWriter(sink);
  const parquet = new ParquetWriter({ writer, schema: parquetSchema(layout), codec: 'SNAPPY' });
  let cells: ParquetCell[][] = layout.map(() => []);
  let count = 0;
  const writeGroup = async () => {
    const columnData = layout.map(({ name }, i) => ({ name, data: cells[i] ?? [] }));
    await parquet.write({ columnData, rowGroupSize: Number.MAX_SAFE_INTEGER });
    cells = layout.map(() => []);
  };
  try {
    for await (const row of rows) {
      layout.forEach((column, i) => cells[i]?.push(parquetCell(column, row[i] ?? null)));
      if (++count % rowGroupSize === 0) await writeGroup();
    }
    if (count % rowGroupSize !== 0) await writeGroup();
    await parquet.finish();
  } catch (e) {
    // A half-written file must not look finished: an upload reading the sink aborts instead of completing.
    sink.destroy(e instanceof Error ? e : new Error(String(e)));
    throw e;
  }
  return { rows: count, bytes: writer.offset };
}
