import {
  type ByteRange,
  etagsDigest,
  type ObjectInfo,
  type ObjectStore,
  type PartUpload,
  type PartUploads,
  type UploadProgress,
} from '@fhir-bulk/object-store';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

/**
 * An ObjectStore in memory, for activity unit tests: objects are whole once `put` or an upload's `complete`
 * settles, as in S3. Uploads keep their parts until completed or aborted, like S3's, with no minimum part size.
 */
export class MemoryObjects implements ObjectStore, PartUploads {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();
  /** Every key `put` or a completed upload wrote, in order (a rewrite shows twice). */
  readonly puts: string[] = [];
  /** Unfinished uploads by id: their key, content type and parts (index 0: part 1). */
  readonly uploads = new Map<string, { key: string; contentType: string; parts: Buffer[] }>();
  /** Every part uploaded, as `key#number`, in order. */
  readonly partsPut: string[] = [];

  startUpload(key: string, contentType: string): PartUpload {
    return new MemoryUpload(this, key, contentType);
  }

  async resumeUpload(key: string, contentType: string, progress: UploadProgress): Promise<PartUpload | undefined> {
    const upload = this.uploads.get(progress.uploadId);
    if (!upload || upload.key !== key) return undefined;
    const kept = upload.parts.slice(0, progress.parts);
    if (kept.length !== progress.parts || etagsDigest(kept.map(etagOf)) !== progress.etags) {
      this.uploads.delete(progress.uploadId);
      return undefined;
    }
    upload.parts.length = progress.parts;
    return new MemoryUpload(this, key, contentType, progress.uploadId);
  }

  async abortUploads(prefix: string): Promise<number> {
    const ids = [...this.uploads].filter(([, upload]) => upload.key.startsWith(prefix)).map(([id]) => id);
    for (const id of ids) this.uploads.delete(id);
    return ids.length;
  }

  async put(key: string, body: Readable | Buffer | string, contentType: string) {
    this.puts.push(key);
    const bytes = typeof body === 'string' || Buffer.isBuffer(body) ? Buffer.from(body) : await buffer(body);
    this.objects.set(key, { body: bytes, contentType });
    return { size: bytes.length };
  }

  async get(key: string, range?: ByteRange) {
    const { body } = this.object(key);
    return Readable.from([range ? body.subarray(range.start, range.end + 1) : body]);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const object = this.objects.get(key);
    return object && { size: object.body.length, contentType: object.contentType };
  }

  async presignGet(key: string) {
    return `memory:${key}`;
  }

  async getText(key: string) {
    return this.object(key).body.toString('utf8');
  }

  async delete(key: string) {
    this.objects.delete(key);
  }

  async list(prefix: string) {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async deletePrefix(prefix: string) {
    const keys = await this.list(prefix);
    for (const key of keys) this.objects.delete(key);
    return keys.length;
  }

  async ping() {}

  private object(key: string) {
    const object = this.objects.get(key);
    if (!object) throw new Error(`no object ${key}`);
    return object;
  }
}

const etagOf = (part: Buffer) => createHash('md5').update(part).digest('hex');

class MemoryUpload implements PartUpload {
  constructor(
    private readonly store: MemoryObjects,
    private readonly key: string,
    private readonly contentType: string,
    private uploadId?: string,
  ) {}

  get progress(): UploadProgress | undefined {
    const upload = this.uploadId === undefined ? undefined : this.store.uploads.get(this.uploadId);
    if (!upload) return undefined;
    const bytes = upload.parts.reduce((sum, part) => sum + part.length, 0);
    return {
      uploadId: this.uploadId!,
      parts: upload.parts.length,
      etags: etagsDigest(upload.parts.map(etagOf)),
      bytes,
    };
  }

  async putPart(content: Buffer): Promise<number> {
    if (this.uploadId === undefined) {
      this.uploadId = randomUUID();
      this.store.uploads.set(this.uploadId, { key: this.key, contentType: this.contentType, parts: [] });
    }
    const upload = this.store.uploads.get(this.uploadId);
    if (!upload) throw new Error(`NoSuchUpload ${this.uploadId}`);
    upload.parts.push(Buffer.from(content));
    this.store.partsPut.push(`${this.key}#${upload.parts.length}`);
    return content.length;
  }

  async complete(rest: Buffer): Promise<{ size: number }> {
    const upload = this.uploadId === undefined ? undefined : this.store.uploads.get(this.uploadId);
    if (this.uploadId !== undefined && !upload) throw new Error(`NoSuchUpload ${this.uploadId}`);
    const body = Buffer.concat([...(upload?.parts ?? []), rest]);
    if (this.uploadId !== undefined) this.store.uploads.delete(this.uploadId);
    await this.store.put(this.key, body, this.contentType);
    return { size: body.length };
  }

  async abort(): Promise<void> {
    if (this.uploadId !== undefined) this.store.uploads.delete(this.uploadId);
  }
}
