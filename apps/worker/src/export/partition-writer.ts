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

/** A resource about to be written: its NDJSON line and where it sits in the scan (for checkpoints). */
export interface OutputLine {
  line: string;
  key: string;
  /** Storage-order scans only: documents scanned through this one. */
  scanned?: number;
  /** Resources in `line` when it holds several (a whole patient under organizeOutputBy); 1 by default. */
  count?: number;
}

export interface PartitionWriterOptions {
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
export async function writePartitionFiles(
  lines: AsyncIterable<OutputLine>,
  resumed: PartitionCheckpoint,
  options: PartitionWriterOptions,
): Promise<ExportedFile[]> {
  const { objects, partition, limits, signal } = options;
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
  });
  const source = lines[Symbol.asyncIterator]();
  let next = await source.next();
  try {
    while (!next.done) {
      const key = options.keyOf(files.length);
      let count = 0;
      let bytes = 0;
      let lastInFile = lastKey;
      let scannedInFile = scanned;
      // Pulls lines until a limit is reached; `next` always holds the first line of the following file.
      const fileLines = async function* () {
        while (!next.done && count < limits.records) {
          const { line, key: lineKey, scanned: lineScanned, count: lineCount = 1 } = next.value;
          const size = Buffer.byteLength(line);
          if (count > 0 && bytes + size > limits.bytes) return;
          signal?.throwIfAborted();
          yield line;
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
      const { size } = await objects.put(key, Readable.from(ndjsonChunks(fileLines())), NDJSON);
      // Files organized by patient mix types, so the manifest leaves their type out.
      files.push({ ...(options.mixedTypes ? {} : { type: partition.type }), key, count, size, kind: partition.kind });
      lastKey = lastInFile;
      scanned = scannedInFile;
      options.onCheckpoint(checkpoint());
    }
  } finally {
    await source.return?.();
  }
  return files;
}
