import { NDJSON } from '@fhir-bulk/export';
import type { Readable } from 'node:stream';
import type { SourceDocument } from './partition-source';

/**
 * What one source document becomes (an NDJSON line, a view's rows) and where it sits in the scan (for
 * checkpoints). A file never splits an item, so a checkpoint always falls between documents.
 */
export interface OutputItem<T> {
  value: T;
  key: string;
  /** Storage-order scans only: documents scanned through this one. */
  scanned?: number;
  /** Records in `value` (a whole patient under organizeOutputBy, a view's rows); 1 by default. */
  count?: number;
}

/** A resource's NDJSON line. */
export type OutputLine = OutputItem<string>;

/**
 * Files whose bytes are the items' text one after the other (NDJSON, CSV): written part by part, and a retried
 * attempt goes on after the file's last completed part.
 */
export interface TextFormat<T> {
  kind: 'text';
  contentType: string;
  /** What every file starts with (CSV's header row); not counted against the byte limit's records. */
  head: string;
  text(value: T): string;
}

/**
 * Files encoded as a whole (Parquet: row groups, then a footer that indexes them, all from one writer's state): a
 * retried attempt writes the unfinished file again, since the writer cannot take up a file in the middle.
 */
export interface StreamFormat<T> {
  kind: 'stream';
  contentType: string;
  /** Bytes an item counts against the file byte limit; 0 leaves only the record limit (compressed formats). */
  bytes(value: T): number;
  /**
   * One file's body, encoded as it is read; `encoded` settles when every value is in. If encoding fails, `body` is
   * destroyed with the error, so the upload aborts instead of completing a truncated file.
   */
  encode(values: AsyncIterable<T>): { body: Readable; encoded: Promise<unknown> };
}

export type FileFormat<T> = TextFormat<T> | StreamFormat<T>;

export const NDJSON_FILES: TextFormat<string> = { kind: 'text', contentType: NDJSON, head: '', text: (line) => line };

/** A partition's file format, and how the documents it scans become the items of its files. */
export interface PartitionOutput<T> {
  format: FileFormat<T>;
  items: (documents: AsyncIterable<SourceDocument>) => AsyncIterable<OutputItem<T>>;
}
