import { type ByteRange, type ObjectInfo, type ObjectStore, PreconditionFailedError } from '@fhir-bulk/object-store';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * The ObjectStore interface kept in a Map, for route tests without S3: what a fake job "wrote" (a manifest, an
 * import input to stat) is read back through the same interface the routes use. Entity tags are content hashes.
 */
export class MemoryObjects implements ObjectStore {
  private readonly objects = new Map<string, { body: Buffer; contentType: string; etag: string }>();

  async put(key: string, body: Readable | Buffer | string, contentType: string): Promise<{ size: number }> {
    const bytes = typeof body === 'string' || Buffer.isBuffer(body) ? Buffer.from(body) : await collect(body);
    const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
    this.objects.set(key, { body: bytes, contentType, etag });
    return { size: bytes.length };
  }

  async get(key: string, range?: ByteRange, ifMatch?: string): Promise<Readable> {
    const object = this.required(key);
    if (ifMatch !== undefined && ifMatch !== object.etag) throw new PreconditionFailedError(key);
    return Readable.from([range ? object.body.subarray(range.start, range.end + 1) : object.body]);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const object = this.objects.get(key);
    return object && { size: object.body.length, contentType: object.contentType, etag: object.etag };
  }

  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return `memory:///${key}?expires=${expiresInSeconds}`;
  }

  async getText(key: string): Promise<string> {
    return this.required(key).body.toString('utf8');
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    for (const key of keys) this.objects.delete(key);
    return keys.length;
  }

  async ping(): Promise<void> {}

  private required(key: string) {
    const object = this.objects.get(key);
    if (!object) throw new Error(`No object ${key}`);
    return object;
  }
}

async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
