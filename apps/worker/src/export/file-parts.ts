import type { OpenFile, ScanPosition } from '@fhir-bulk/export';
import { type PartUpload, UnclosableUploadError } from '@fhir-bulk/object-store';
import { createHash } from 'node:crypto';

/** Text is gathered into buffers of about this size: one Buffer per line would cost more than the lines. */
const CHUNK_BYTES = 256 * 1024;

/** A record's end in the file's content (a byte offset from the file's start), and the scan's position after it. */
export interface RecordEnd {
  at: number;
  records: number;
  position: ScanPosition;
}

/**
 * A resumed file cannot go on from its parts: the records after its checkpoint are not the bytes its last part
 * holds past it (the carry), or there are none left to close an encrypted object with. Its data changed since.
 */
class ResumeMismatch extends Error {
  constructor(key: string) {
    super(`${key}: the records after its last checkpoint are not the ones its parts hold`);
    this.name = 'ResumeMismatch';
  }
}

export const isResumeMismatch = (error: unknown) => error instanceof ResumeMismatch;

/** Where a file's content stands when its writing (re)starts. */
export interface PartsStart {
  /** The last record end the completed parts reach (a fresh file: offset 0, no records, the file's start). */
  base: RecordEnd;
  /** Content bytes in the completed parts: base.at plus the carry. */
  durable: number;
  carry?: OpenFile['carry'];
}

/**
 * One file's content on its way into upload parts, at most one part in flight while the next fills. A part is sent
 * once `partBytes` wait beyond the last one, so every part ends where a record ends. After each completed part,
 * `onPart` gets what a checkpoint needs: the last record end the parts reach, and the bytes they hold past it (the
 * carry: an encrypted part ends on a segment boundary, mid-record). Memory holds the part in flight, the one
 * filling and the carry's record.
 */
export class FileParts {
  /** Content from `start` (the base record's end) on, as sealed chunks, then `batch` not yet joined. */
  private chunks: Buffer[] = [];
  private start: number;
  private batch: string[] = [];
  private batchBytes = 0;
  /** End of the content appended so far. */
  private end: number;
  private durable: number;
  private base: RecordEnd;
  /** Record ends after `base`, oldest first. */
  private ends: RecordEnd[] = [];
  private inFlight: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;
  /** A resumed file's carry, until the appended content reaches it and it is checked. */
  private expected: OpenFile['carry'];

  constructor(
    private readonly key: string,
    private readonly upload: PartUpload,
    private readonly partBytes: number,
    private readonly onPart: (open: OpenFile) => void,
    { base, durable, carry }: PartsStart,
  ) {
    this.start = base.at;
    this.end = base.at;
    this.durable = durable;
    this.base = base;
    this.expected = carry;
  }

  /** Bytes of content so far, from the file's start. */
  get size(): number {
    return this.end;
  }

  /** Appends `text` (`bytes` long), ending with a record unless `record` is omitted (a header). */
  async append(text: string, bytes: number, record?: Omit<RecordEnd, 'at'>): Promise<void> {
    this.throwIfFailed();
    this.batch.push(text);
    this.batchBytes += bytes;
    this.end += bytes;
    if (record) this.ends.push({ at: this.end, ...record });
    if (this.batchBytes >= CHUNK_BYTES) this.joinBatch();
    if (this.expected && this.end >= this.durable) this.checkCarry(this.expected);
    // Strictly more: an encrypted part takes whole segments short of the last byte, still at least partBytes.
    if (!this.expected && this.end - this.durable > this.partBytes) await this.sendPart();
  }

  /** Sends what remains as the last part and completes the object. */
  async finish(): Promise<{ size: number }> {
    await this.inFlight;
    this.throwIfFailed();
    if (this.expected) throw new ResumeMismatch(this.key);
    try {
      return await this.upload.complete(this.slice(this.durable, this.end));
    } catch (error) {
      if (error instanceof UnclosableUploadError) throw new ResumeMismatch(this.key);
      throw error;
    }
  }

  /** Waits for the part in flight, then sends everything after the completed parts as the next one. */
  private async sendPart(): Promise<void> {
    await this.inFlight;
    this.throwIfFailed();
    if (this.end - this.durable <= this.partBytes) return;
    const from = this.durable;
    this.inFlight = this.upload
      .putPart(this.slice(from, this.end))
      .then((taken) => this.completed(from + taken))
      // Kept until the next append or finish throws it: a rejection nobody awaits yet would end the process.
      .catch((error: unknown) => {
        this.failure = { error };
      });
  }

  private completed(durable: number): void {
    this.durable = durable;
    let passed = 0;
    while (passed < this.ends.length && this.ends[passed]!.at <= durable) passed++;
    if (passed > 0) this.base = this.ends[passed - 1]!;
    this.ends.splice(0, passed);
    this.trim(this.base.at);
    const { records, position } = this.base;
    const carried = durable - this.base.at;
    const progress = this.upload.progress;
    if (!progress) throw new Error(`${this.key}: a part completed without an upload`);
    this.onPart({
      key: this.key,
      upload: progress,
      records,
      position,
      ...(carried > 0 ? { carry: { bytes: carried, digest: digestOf(this.slice(this.base.at, durable)) } } : {}),
    });
  }

  /** The appended content has reached the end of the completed parts: its bytes there must be the carry's. */
  private checkCarry(carry: NonNullable<OpenFile['carry']>): void {
    if (digestOf(this.slice(this.durable - carry.bytes, this.durable)) !== carry.digest) {
      throw new ResumeMismatch(this.key);
    }
    this.expected = undefined;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  private joinBatch(): void {
    if (this.batch.length === 0) return;
    this.chunks.push(Buffer.from(this.batch.join(''), 'utf8'));
    this.batch = [];
    this.batchBytes = 0;
  }

  /** Content bytes `from`..`to` (exclusive), which must still be held. */
  private slice(from: number, to: number): Buffer {
    this.joinBatch();
    const pieces: Buffer[] = [];
    let at = this.start;
    for (const chunk of this.chunks) {
      const chunkEnd = at + chunk.length;
      if (chunkEnd > from && at < to)
        pieces.push(chunk.subarray(Math.max(0, from - at), Math.min(chunk.length, to - at)));
      at = chunkEnd;
    }
    return Buffer.concat(pieces);
  }

  /** Forgets the content before `offset`. */
  private trim(offset: number): void {
    this.joinBatch();
    while (this.chunks.length > 0 && this.start + this.chunks[0]!.length <= offset) {
      this.start += this.chunks.shift()!.length;
    }
    if (this.chunks.length > 0 && offset > this.start) {
      this.chunks[0] = this.chunks[0]!.subarray(offset - this.start);
      this.start = offset;
    }
  }
}

/** The digest a carry is checked by: 12 bytes of SHA-256. */
const digestOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64url').slice(0, 16);
