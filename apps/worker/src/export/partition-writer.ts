import {
  type ExportedFile,
  type ExportPartition,
  type FileLimits,
  ndjsonChunks,
  NDJSON,
  type PartitionCheckpoint,
} from '@fhir-bulk/export';
import type { ObjectStore } from '@fhir-bulk/object-store';
import { Readable } from 'node:stream';

// Checkpoints are handed over as fresh objects: the SDK may encode a heartbeat after this code has moved on.

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

/** How items become a file's bytes. */
export interface FileFormat<T> {
  contentType: string;
  /** Bytes an item counts against the file byte limit; 0 leaves only the record limit (compressed formats). */
  bytes(value: T): number;
  /**
   * One file's body, encoded as it is read; `encoded` settles when every value is in. If encoding fails, `body` is
   * destroyed with the error, so the upload aborts instead of completing a truncated file.
   */
  encode(values: AsyncIterable<T>): { body: Readable; encoded: Promise<unknown> };
}

/** A partition's items and the format of the files they go into. */
export interface PartitionOutput<T> {
  items: AsyncIterable<OutputItem<T>>;
  format: FileFormat<T>;
}

export const NDJSON_FILES: FileFormat<string> = {
  contentType: NDJSON,
  bytes: (line) => Buffer.byteLength(line),
  encode: (lines) => ({ body: Readable.from(ndjsonChunks(lines)), encoded: Promise.resolve() }),
};

export interface PartitionWriterOptions<T> {
  format: FileFormat<T>;
  objects: ObjectStore;
  partition: ExportPartition;
  limits: FileLimits;
  /** Where file `seq` goes; deterministic, so a rewritten file replaces its unfinished predecessor. */
  keyOf: (seq: number) => string;
  /**
   * Called after each completed file and every `progressEvery` lines: the checkpoint to heartbeat (the same
   * files and lastKey between files; only the running count changes).
   */
  onCheckpoint: (checkpoint: PartitionCheckpoint) => void;
  /** Called after each completed file, with the seconds from its first item to its completed upload. */
  onFile: (file: ExportedFile, seconds: number) => void;
  progressEvery?: number;
  /** organizeOutputBy: files hold several types. */
  mixedTypes?: boolean;
  /** Aborts between lines (Temporal cancellation); the unfinished upload is abandoned, never completed. */
  signal?: AbortSignal;
}

/**
 * Writes a partition's lines into files that roll over at the record or byte limit, one multipart upload at a
 * time, so memory holds one upload part and one chunk whatever the partition's size. Starts from `resumed`
 * (files already completed, lines after its lastKey) and returns every file of the partition.
 */
export async function writePartitionFiles<T>(
  items: AsyncIterable<OutputItem<T>>,
  resumed: PartitionCheckpoint,
  options: PartitionWriterOptions<T>,
): Promise<ExportedFile[]> {
  const { format, objects, partition, limits, signal } = options;
  const progressEvery = options.progressEvery ?? 1_000;
  const files = [...resumed.files];
  let { lastKey, scanned } = resumed;
  let written = files.reduce((sum, f) => sum + f.count, 0);
  let reported = written;
  const checkpoint = (): PartitionCheckpoint => ({
    files: [...files],
    ...(lastKey !== undefined ? { lastKey } : {}),
    ...(scanned !== undefined ? { scanned } : {}),
    written,
    type: partition.type,
    kind: partition.kind,
  });
  const source = items[Symbol.asyncIterator]();
  let next = await source.next();
  try {
    while (!next.done) {
      const key = options.keyOf(files.length);
      const startedAt = performance.now();
      let count = 0;
      let bytes = 0;
      let lastInFile = lastKey;
      let scannedInFile = scanned;
      // Pulls items until a limit is reached; `next` always holds the first item of the following file.
      const fileValues = async function* () {
        while (!next.done && count < limits.records) {
          const { value, key: lineKey, scanned: lineScanned, count: lineCount = 1 } = next.value;
          const size = format.bytes(value);
          if (count > 0 && bytes + size > limits.bytes) return;
          signal?.throwIfAborted();
          yield value;
          count += lineCount;
          bytes += size;
          written += lineCount;
          lastInFile = lineKey;
          scannedInFile = lineScanned;
          if (written - reported >= progressEvery) {
            reported = written;
            options.onCheckpoint(checkpoint());
          }
          next = await source.next();
        }
      };
      const { body, encoded } = format.encode(fileValues());
      const upload = objects.put(key, body, format.contentType).catch((error: unknown) => {
        // An encoder waiting for the upload to read on would wait forever: fail it too.
        body.destroy(error instanceof Error ? error : new Error(String(error)));
        throw error;
      });
      const [{ size }] = await Promise.all([upload, encoded]);
      // Files organized by patient mix types, so the manifest leaves their type out.
      const file: ExportedFile = {
        ...(options.mixedTypes ? {} : { type: partition.type }),
        key,
        count,
        size,
        kind: partition.kind,
      };
      files.push(file);
      options.onFile(file, (performance.now() - startedAt) / 1000);
      lastKey = lastInFile;
      scanned = scannedInFile;
      options.onCheckpoint(checkpoint());
    }
  } finally {
    await source.return?.();
  }
  return files;
}
