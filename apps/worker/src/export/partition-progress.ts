import type { ExportedFile, ExportPartition, OpenFile, PartitionCheckpoint, ScanPosition } from '@fhir-bulk/export';
import type { OutputItem } from './file-formats';

// Checkpoints are handed over as fresh objects: the SDK may encode a heartbeat after this code has moved on.

/** The partition's items as they are taken: `next` is the first item the current file has not taken yet. */
export class ItemCursor<T> {
  private constructor(
    private readonly source: AsyncIterator<OutputItem<T>>,
    public next: IteratorResult<OutputItem<T>>,
  ) {}

  static async open<T>(items: AsyncIterable<OutputItem<T>>): Promise<ItemCursor<T>> {
    const source = items[Symbol.asyncIterator]();
    return new ItemCursor(source, await source.next());
  }

  async advance(): Promise<void> {
    this.next = await this.source.next();
  }

  async close(): Promise<void> {
    await this.source.return?.();
  }
}

/** What the files of a partition have reached: the checkpoint's content, kept up to date as files are written. */
export class PartitionProgress {
  readonly files: ExportedFile[];
  position: ScanPosition;
  written: number;
  open: OpenFile | undefined;
  private reported: number;

  constructor(
    resumed: PartitionCheckpoint,
    private readonly options: {
      partition: ExportPartition;
      onCheckpoint: (checkpoint: PartitionCheckpoint) => void;
      progressEvery?: number;
    },
  ) {
    this.files = [...resumed.files];
    this.position = { lastKey: resumed.lastKey, scanned: resumed.scanned };
    this.open = resumed.open;
    // The open file's parts count too, so a resumed attempt's progress goes on from where the last one left it.
    this.written = this.files.reduce((sum, f) => sum + f.count, 0) + (this.open?.records ?? 0);
    this.reported = this.written;
  }

  /** Counts records written; heartbeats every `progressEvery` of them. */
  wrote(records: number): void {
    this.written += records;
    if (this.written - this.reported < (this.options.progressEvery ?? 1_000)) return;
    this.reported = this.written;
    this.beat();
  }

  /** A part of the open file is complete. */
  partDone(open: OpenFile): void {
    this.open = open;
    this.beat();
  }

  fileDone(file: ExportedFile, position: ScanPosition): void {
    this.files.push(file);
    this.position = position;
    this.open = undefined;
    this.beat();
  }

  /** The open file is given up: its records will be written again. */
  fileRestarted(): void {
    this.open = undefined;
    this.written = this.files.reduce((sum, f) => sum + f.count, 0);
  }

  private beat(): void {
    const { lastKey, scanned } = this.position;
    this.options.onCheckpoint({
      files: [...this.files],
      ...(lastKey !== undefined ? { lastKey } : {}),
      ...(scanned !== undefined ? { scanned } : {}),
      written: this.written,
      type: this.options.partition.type,
      kind: this.options.partition.kind,
      ...(this.open ? { open: this.open } : {}),
    });
  }
}

/** Files organized by patient mix types, so the manifest leaves their type out. */
export const exportedFile = (
  options: { mixedTypes?: boolean; partition: ExportPartition },
  key: string,
  count: number,
  size: number,
): ExportedFile => ({
  ...(options.mixedTypes ? {} : { type: options.partition.type }),
  key,
  count,
  size,
  kind: options.partition.kind,
});
