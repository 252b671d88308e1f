import type { MasterKey } from '@fhir-bulk/config';
import { Readable } from 'node:stream';
import type { ByteRange, ObjectInfo, ObjectStore } from '../object-store';
import type { PartUpload, PartUploads, UploadProgress } from '../part-uploads';
import { ObjectIntegrityError } from './errors';
import { HEADER_BYTES, newObjectKey, openHeader } from './header';
import { sealedPartUploads } from './sealed-part-upload';
import { openSegments, plainSize, sealStream, segmentsCovering, SEGMENT_BYTES } from './segments';

/**
 * Envelope encryption in front of any ObjectStore (OBJECT_ENCRYPTION=on): what is put is stored sealed in segments
 * (segments.ts) under a fresh data key wrapped by the newest master key (header.ts); what is read is verified and
 * decrypted on the way out. Sizes, ranges and `stat` speak of plaintext; entity tags stay the stored object's, so
 * If-Match works as before. Presigned URLs would serve ciphertext, so there are none (config refuses the mode).
 */
export class EncryptingObjectStore implements ObjectStore, PartUploads {
  /** `keyring`: oldest first; new objects use the last key, reads whichever key an object names. */
  constructor(
    private readonly stored: ObjectStore & Partial<PartUploads>,
    private readonly keyring: readonly MasterKey[],
  ) {
    if (keyring.length === 0) throw new Error('object encryption needs at least one master key');
  }

  startUpload(key: string, contentType: string): PartUpload {
    return this.sealedParts().startUpload(key, contentType);
  }

  resumeUpload(key: string, contentType: string, progress: UploadProgress): Promise<PartUpload | undefined> {
    return this.sealedParts().resumeUpload(key, contentType, progress);
  }

  abortUploads(prefix: string): Promise<number> {
    return this.sealedParts().abortUploads(prefix);
  }

  /** Part uploads need a store that has them (S3 does; the in-memory stores of some tests do not). */
  private sealedParts(): PartUploads {
    const { startUpload, resumeUpload, abortUploads } = this.stored;
    if (!startUpload || !resumeUpload || !abortUploads)
      throw new Error('the store under encryption has no part uploads');
    return sealedPartUploads(this.stored as PartUploads, this.keyring);
  }

  async put(key: string, body: Readable | Buffer | string, contentType: string): Promise<{ size: number }> {
    let size = 0;
    const counted = async function* (chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>) {
      for await (const chunk of chunks) {
        size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        yield chunk;
      }
    };
    const sealed = sealStream(
      counted(body instanceof Readable ? body : [body]),
      newObjectKey(this.keyring.at(-1)!, key),
    );
    if (!(body instanceof Readable)) {
      // A small body sealed at once is put with its length.
      await this.stored.put(key, await collect(sealed), contentType);
      return { size };
    }
    const stream = Readable.from(sealed, { objectMode: false });
    // The body may fail before the upload first reads it (a writer failing at once): that fails the upload, as the
    // S3 store does for plain bodies, instead of being an 'error' event nobody listens to.
    body.on('error', (error) => stream.destroy(error));
    await this.stored.put(key, stream, contentType);
    return { size };
  }

  async get(key: string, range?: ByteRange, ifMatch?: string): Promise<Readable> {
    if (!range) return verifiedFirst(this.openObject(await this.stored.get(key, undefined, ifMatch), key));
    const info = await this.stat(key);
    if (!info) throw new Error(`${key}: no such object`);
    if (range.start > range.end || range.end >= info.size) {
      throw new RangeError(`${key}: bytes ${range.start}-${range.end} are outside its ${info.size} bytes`);
    }
    const header = await collect(await this.stored.get(key, { start: 0, end: HEADER_BYTES - 1 }, ifMatch));
    const objectKey = openHeader(header, this.keyring, key);
    const cover = segmentsCovering(range.start, range.end, info.size);
    const sealed = await this.stored.get(key, cover.stored, ifMatch);
    const plain = openSegments(sealed, objectKey, cover.first, cover.endsObject, key);
    return verifiedFirst(slice(plain, range.start - cover.first * SEGMENT_BYTES, range.end - range.start + 1));
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const info = await this.stored.stat(key);
    if (!info) return undefined;
    const size = plainSize(info.size);
    if (size === undefined) {
      throw new ObjectIntegrityError(key, `${info.size} bytes is not the size of an encrypted object`);
    }
    return { ...info, size };
  }

  presignGet(): Promise<string> {
    return Promise.reject(new Error('no presigned URLs with OBJECT_ENCRYPTION=on: they would serve ciphertext'));
  }

  async getText(key: string): Promise<string> {
    return (await collect(await this.get(key))).toString('utf8');
  }

  delete(key: string): Promise<void> {
    return this.stored.delete(key);
  }

  list(prefix: string): Promise<string[]> {
    return this.stored.list(prefix);
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.stored.deletePrefix(prefix);
  }

  ping(): Promise<void> {
    return this.stored.ping();
  }

  /** A whole stored object → its plaintext: the header from its first bytes, then every segment. */
  private async *openObject(stored: Readable, name: string): AsyncGenerator<Buffer> {
    const chunks = stored[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      let head = Buffer.alloc(0);
      while (head.length < HEADER_BYTES) {
        const next = await chunks.next();
        if (next.done) break;
        head = Buffer.concat([head, next.value]);
      }
      const objectKey = openHeader(head, this.keyring, name);
      const rest = async function* () {
        if (head.length > HEADER_BYTES) yield head.subarray(HEADER_BYTES);
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
      };
      yield* openSegments(rest(), objectKey, 0, true, name);
    } finally {
      // Stopped early (a failed check, a client gone): release the S3 response.
      await chunks.return?.();
    }
  }
}

/**
 * Resolves once the first plaintext chunk verified (the header and first segment), so that a bad object fails
 * before a download sends its first byte; later failures destroy the stream, which cuts the download.
 */
async function verifiedFirst(plain: AsyncGenerator<Buffer>): Promise<Readable> {
  const first = await plain.next();
  const all = async function* () {
    if (!first.done && first.value.length > 0) yield first.value;
    yield* plain;
  };
  return Readable.from(all(), { objectMode: false });
}

/** `length` bytes of `chunks` after skipping `skip`. */
async function* slice(chunks: AsyncIterable<Buffer>, skip: number, length: number): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    const from = Math.min(skip, chunk.length);
    const piece = chunk.subarray(from, from + length);
    skip -= from;
    length -= piece.length;
    if (piece.length > 0) yield piece;
  }
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const all: Buffer[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all);
}
