import type {
  ExportedFile,
  ExportPartition,
  FileLimits,
  OpenFile,
  PartitionCheckpoint,
  ScanPosition,
} from '@fhir-bulk/export';
import type { ObjectStore, PartUpload, PartUploads } from '@fhir-bulk/object-store';
import { isResumeMismatch } from './file-parts';
import type { FileFormat, OutputItem, StreamFormat } from './file-formats';
import { exportedFile, ItemCursor, PartitionProgress } from './partition-progress';
import { writeTextFile } from './text-file';

export interface PartitionWriterOptions<T> {
  format: FileFormat<T>;
  /** The partition's items from `from` on: the scan resumes after the last record the checkpoint holds. */
  items: (from: ScanPosition) => AsyncIterable<OutputItem<T>>;
  objects: ObjectStore & PartUploads;
  partition: ExportPartition;
  limits: FileLimits;
  /** Content bytes per upload part (EXPORT_PART_BYTES): what a kill can cost a file, and memory per file. */
  partBytes: number;
  /** Where file `seq` goes; deterministic, so a rewritten file replaces its unfinished predecessor. */
  keyOf: (seq: number) => string;
  /**
   * Called after each completed file and part and every `progressEvery` lines: the checkpoint to heartbeat (the
   * same files, position and open file between them; only the running count changes).
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

/** An unfinished file taken up again, with its upload. */
export interface Reopened {
  open: OpenFile;
  upload: PartUpload;
}

/**
 * Writes a partition's items into files that roll over at the record or byte limit, one upload at a time, so
 * memory holds about two upload parts whatever the partition's size. Starts from `resumed`: its completed files
 * stay; the file it was writing goes on after its last completed part if its upload is still there with those
 * parts, and is written again from its start otherwise. Returns every file of the partition.
 */
export async function writePartitionFiles<T>(
  resumed: PartitionCheckpoint,
  options: PartitionWriterOptions<T>,
): Promise<ExportedFile[]> {
  const progress = new PartitionProgress(resumed, options);
  let reopened = await reopen(options, progress);
  let cursor = await ItemCursor.open(options.items(reopened?.open.position ?? progress.position));
  try {
    // A reopened file is finished even if no item is left: its parts hold records.
    while (reopened || !cursor.next.done) {
      const key = options.keyOf(progress.files.length);
      const startedAt = performance.now();
      try {
        const { file, position } =
          options.format.kind === 'text'
            ? await writeTextFile(cursor, progress, { ...options, format: options.format }, key, reopened)
            : await writeStreamFile(cursor, progress, { ...options, format: options.format }, key);
        options.onFile(file, (performance.now() - startedAt) / 1000);
        progress.fileDone(file, position);
      } catch (error) {
        if (!reopened || !isResumeMismatch(error)) throw error;
        // The data changed since the parts were written (a record updated out of the snapshot, or deleted): the
        // file is written again from its start, where the last completed file ended.
        await reopened.upload.abort();
        progress.fileRestarted();
        await cursor.close();
        cursor = await ItemCursor.open(options.items(progress.position));
      }
      reopened = undefined;
    }
  } finally {
    await cursor.close();
  }
  return progress.files;
}

/** The checkpoint's open file with its upload, if S3 still holds the upload with the checkpointed parts. */
async function reopen<T>(
  options: PartitionWriterOptions<T>,
  progress: PartitionProgress,
): Promise<Reopened | undefined> {
  const open = progress.open;
  if (!open || options.format.kind !== 'text' || open.key !== options.keyOf(progress.files.length)) {
    progress.fileRestarted();
    return undefined;
  }
  const upload = await options.objects.resumeUpload(open.key, options.format.contentType, open.upload);
  if (!upload) {
    progress.fileRestarted();
    return undefined;
  }
  return { open, upload };
}

/** One file through the format's encoder and a single `put` (Parquet). */
async function writeStreamFile<T>(
  cursor: ItemCursor<T>,
  progress: PartitionProgress,
  options: PartitionWriterOptions<T> & { format: StreamFormat<T> },
  key: string,
): Promise<{ file: ExportedFile; position: ScanPosition }> {
  const { format, limits, signal } = options;
  let count = 0;
  let bytes = 0;
  let position = progress.position;
  // Pulls items until a limit is reached; `cursor.next` always holds the first item of the following file.
  const fileValues = async function* () {
    while (!cursor.next.done && count < limits.records) {
      const { value, key: itemKey, scanned, count: itemCount = 1 } = cursor.next.value;
      const size = format.bytes(value);
      if (count > 0 && bytes + size > limits.bytes) return;
      signal?.throwIfAborted();
      yield value;
      count += itemCount;
      bytes += size;
      position = { lastKey: itemKey, scanned };
      progress.wrote(itemCount);
      await cursor.advance();
    }
  };
  const { body, encoded } = format.encode(fileValues());
  const upload = options.objects.put(key, body, format.contentType).catch((error: unknown) => {
    // An encoder waiting for the upload to read on would wait forever: fail it too.
    body.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  });
  const [{ size }] = await Promise.all([upload, encoded]);
  return { file: exportedFile(options, key, count, size), position };
}
