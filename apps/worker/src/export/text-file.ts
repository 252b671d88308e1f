import type { ExportedFile, ScanPosition } from '@fhir-bulk/export';
import { FileParts, type PartsStart } from './file-parts';
import type { TextFormat } from './file-formats';
import { exportedFile, type ItemCursor, type PartitionProgress } from './partition-progress';
import type { PartitionWriterOptions, Reopened } from './partition-writer';

/**
 * One text file (NDJSON, CSV) as a multipart upload whose parts are checkpointed: after each completed part,
 * `progress` heartbeats the upload and the scan position after the last record the parts hold. `reopened`: the
 * file a previous attempt left, gone on with after its last completed part (the cursor starts right after the
 * checkpointed record). Returns the file and the scan position after its last record.
 */
export async function writeTextFile<T>(
  cursor: ItemCursor<T>,
  progress: PartitionProgress,
  options: PartitionWriterOptions<T> & { format: TextFormat<T> },
  key: string,
  reopened: Reopened | undefined,
): Promise<{ file: ExportedFile; position: ScanPosition }> {
  const { format, limits, signal } = options;
  const upload = reopened?.upload ?? options.objects.startUpload(key, format.contentType);
  const start = reopened ? resumedStart(reopened) : freshStart(progress.position);
  const parts = new FileParts(key, upload, options.partBytes, (open) => progress.partDone(open), start);
  // A file (re)started at its first byte begins with the format's head; one resumed later has it in its parts.
  if (start.base.at === 0 && format.head) await parts.append(format.head, Buffer.byteLength(format.head));
  let { records, position } = start.base;
  while (!cursor.next.done && records < limits.records) {
    const { value, key: itemKey, scanned, count = 1 } = cursor.next.value;
    const text = format.text(value);
    const bytes = Buffer.byteLength(text);
    if (records > 0 && parts.size + bytes > limits.bytes) break;
    signal?.throwIfAborted();
    records += count;
    position = scanned === undefined ? { lastKey: itemKey } : { lastKey: itemKey, scanned };
    // Counted first: the append may complete a part, whose checkpoint then counts this record too.
    progress.wrote(count);
    await parts.append(text, bytes, { records, position });
    await cursor.advance();
  }
  const { size } = await parts.finish();
  return { file: exportedFile(options, key, records, size), position };
}

const freshStart = (position: ScanPosition): PartsStart => ({ base: { at: 0, records: 0, position }, durable: 0 });

function resumedStart({ open }: Reopened): PartsStart {
  const durable = open.upload.bytes;
  const at = durable - (open.carry?.bytes ?? 0);
  return { base: { at, records: open.records, position: open.position }, durable, carry: open.carry };
}
