import { InternalAddressError, type PlannedFile, type SourceFetch } from '@fhir-bulk/import';
import { type ObjectStore, PreconditionFailedError } from '@fhir-bulk/object-store';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { importError } from './import-error';

/** Input objects by bucket: only buckets the configuration allows are here. */
export type BucketStores = ReadonlyMap<string, ObjectStore>;

export interface InputInfo {
  size: number;
  etag?: string;
}

/**
 * Reads input files from where kick-off resolved them: S3 objects of allowed buckets, or allowed http(s) URLs.
 * Reads start at a byte offset (ranged reads), so a resumed file transfers nothing before its checkpoint; both
 * sides carry the entity tag seen when planning, so a file replaced mid-import fails instead of mixing contents.
 */
export class InputReader {
  constructor(
    private readonly buckets: BucketStores,
    /** pinnedFetch in production: no unchecked address is ever connected to. */
    private readonly fetchInput: SourceFetch,
  ) {}

  /** Size and entity tag of an object in an allowed bucket; undefined when it does not exist. */
  async statObject(bucket: string, key: string): Promise<InputInfo | undefined> {
    const info = await this.bucket(bucket).stat(key);
    return info ? { size: info.size, ...(info.etag ? { etag: info.etag } : {}) } : undefined;
  }

  /** The file's bytes from `offset` to its end. */
  async open(file: PlannedFile, offset: number): Promise<AsyncIterable<Buffer>> {
    if (offset >= file.size) return Readable.from([]);
    const { source } = file;
    if (source.kind === 's3') {
      const range = { start: offset, end: file.size - 1 };
      return this.bucket(source.bucket)
        .get(source.key, range, file.etag)
        .catch((error: unknown) => {
          throw error instanceof PreconditionFailedError ? changed(file) : error;
        });
    }
    const response = await this.fetchInput(source.url, {
      redirect: 'manual',
      headers: { Range: `bytes=${offset}-`, ...(file.etag ? { 'If-Match': file.etag } : {}) },
    }).catch((error: unknown) => {
      // The host now resolves inside: the pinned connection refused it, and no retry should try again.
      const cause = (error as { cause?: unknown }).cause;
      throw cause instanceof InternalAddressError ? importError(`Input ${file.inputUrl}: ${cause.message}`) : error;
    });
    if (response.status === 412) throw changed(file);
    if (!response.body || (response.status !== 206 && response.status !== 200)) {
      throw new Error(`GET ${source.url}: HTTP ${response.status}`);
    }
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    // A server that ignores Range sends the whole file; the bytes before the offset are dropped here instead.
    return response.status === 200 && offset > 0 ? skipBytes(body, offset) : body;
  }

  private bucket(name: string): ObjectStore {
    const store = this.buckets.get(name);
    if (!store) throw importError(`Bucket ${name} is not one imports may read`);
    return store;
  }
}

const changed = (file: PlannedFile) => importError(`Input ${file.inputUrl} changed while it was being imported`);

async function* skipBytes(body: AsyncIterable<Buffer>, count: number): AsyncGenerator<Buffer> {
  let left = count;
  for await (const chunk of body) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}
