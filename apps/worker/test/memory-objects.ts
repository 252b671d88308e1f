import type { ByteRange, ObjectInfo, ObjectStore } from '@fhir-bulk/object-store';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

/** An ObjectStore in memory, for activity unit tests: objects are whole once `put` settles, as in S3. */
export class MemoryObjects implements ObjectStore {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();
  /** Every key `put` was called with, in order (a rewrite shows twice). */
  readonly puts: string[] = [];

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
