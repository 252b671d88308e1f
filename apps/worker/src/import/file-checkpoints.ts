import type { ImportCheckpoint, WrittenAhead } from '@fhir-bulk/import';

/** A bad line's report, kept with its number so a file's error output stays in line order. */
export interface ErrorLine {
  line: number;
  text: string;
}

/** A batch of lines, parsed: `seq` orders batches; every line before `endOffset` belongs to this or earlier ones. */
export interface WrittenBatch {
  seq: number;
  firstLine: number;
  endOffset: number;
  endLine: number;
  written: number;
  errors: ErrorLine[];
}

export interface CheckpointOptions {
  /** Writes error lines that follow line `afterLine` to an object and returns its key. */
  writeErrors: (afterLine: number, text: string) => Promise<string>;
  /** Receives every new checkpoint (to record and heartbeat); the next one waits for it. */
  onCheckpoint: (checkpoint: ImportCheckpoint) => Promise<void>;
  /**
   * Error lines wait this long to be written together (a checkpoint with errors costs an S3 write); without
   * pending errors a checkpoint is taken after every batch, so a resumed attempt redoes little.
   */
  intervalMs: number;
  /** Buffered error bytes that force a checkpoint, bounding memory when most lines are bad. */
  maxErrorBytes: number;
  now?: () => number;
}

/**
 * Turns batches finished out of order (several writers) into checkpoints: only the contiguous prefix counts, so
 * a checkpoint's offset never passes a batch still being written. Error lines of that prefix are written to a part
 * before the checkpoint naming it is handed out, so a resumed attempt finds every reported error in its parts and
 * reports the lines after the offset again, once.
 */
export class FileCheckpoints {
  private committed: ImportCheckpoint;
  private advanced: Omit<ImportCheckpoint, 'errorParts'>;
  private readonly done = new Map<number, WrittenBatch>();
  private nextSeq = 0;
  private buffered: string[] = [];
  private bufferedBytes = 0;
  private lastCheckpointAt: number;
  private writing: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(
    resumed: ImportCheckpoint,
    private readonly options: CheckpointOptions,
  ) {
    this.committed = resumed;
    this.advanced = { offset: resumed.offset, line: resumed.line, count: resumed.count, errors: resumed.errors };
    this.now = options.now ?? Date.now;
    this.lastCheckpointAt = this.now();
  }

  /** Records a finished batch; checkpoints unless error lines wait for the interval (and are not piling up). */
  async complete(batch: WrittenBatch): Promise<void> {
    this.done.set(batch.seq, batch);
    for (let next = this.done.get(this.nextSeq); next; next = this.done.get(this.nextSeq)) {
      this.done.delete(this.nextSeq++);
      this.advanced = {
        offset: next.endOffset,
        line: next.endLine,
        count: this.advanced.count + next.written,
        errors: this.advanced.errors + next.errors.length,
      };
      for (const { text } of next.errors) {
        this.buffered.push(text);
        this.bufferedBytes += text.length + 1;
      }
    }
    const due = this.now() - this.lastCheckpointAt >= this.options.intervalMs;
    if (this.bufferedBytes === 0 || due || this.bufferedBytes >= this.options.maxErrorBytes) await this.checkpoint();
  }

  /**
   * What a resumed attempt need not write again (`ahead` of the checkpoint it resumes from): the batch with these
   * very lines was written, and had no bad line (those are reported only once they join the checkpoint).
   */
  static writtenBefore(resumed: ImportCheckpoint, batch: Omit<WrittenBatch, 'written'>): WrittenBatch | undefined {
    if (batch.errors.length > 0) return undefined;
    const done = resumed.ahead?.find((a) => a.firstLine === batch.firstLine && a.endLine === batch.endLine);
    return done ? { ...batch, written: done.written } : undefined;
  }

  /** Batches written beyond the contiguous prefix, without bad lines. */
  private writtenAhead(): WrittenAhead[] {
    return [...this.done.values()]
      .filter((batch) => batch.errors.length === 0)
      .map(({ firstLine, endLine, written }) => ({ firstLine, endLine, written }));
  }

  /** Takes a checkpoint of everything written so far; returns it. Checkpoints run one at a time, in order. */
  async checkpoint(): Promise<ImportCheckpoint> {
    this.lastCheckpointAt = this.now();
    const advanced = this.advanced;
    const errors = this.buffered;
    this.buffered = [];
    this.bufferedBytes = 0;
    const previous = this.writing;
    const step = (async () => {
      await previous;
      const parts = [...this.committed.errorParts];
      if (errors.length > 0) parts.push(await this.options.writeErrors(this.committed.line, `${errors.join('\n')}\n`));
      this.committed = { ...advanced, errorParts: parts };
      await this.options.onCheckpoint({ ...this.committed, errorParts: [...parts], ahead: this.writtenAhead() });
    })();
    this.writing = step.catch(() => undefined);
    await step;
    return this.committed;
  }
}
