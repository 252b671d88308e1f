export { parquetColumns, parquetKind, type ParquetColumn, type ParquetKind } from './parquet-columns';
export { ParquetValueError } from './parquet-values';
export { writeParquet, type ParquetWriteOptions, type ParquetWriteResult } from './write-parquet';
