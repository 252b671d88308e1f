import type { Readable } from 'node:stream';

/**
 * Where bulk outputs live. Domain code and activities depend on this interface only; the S3 adapter is one
 * implementation, so tests of pure logic never need a server.
 */
export interface ObjectStore {
  /** Streams `body` to `key` (multipart for large bodies, so memory stays bounded by the part size). */
  put(key: string, body: Readable | Buffer | string, contentType: string): Promise<{ size: number }>;
  get(key: string): Promise<Readable>;
  getText(key: string): Promise<string>;
  delete(key: string): Promise<void>;
  /** Keys under `prefix`, in lexical order. */
  list(prefix: string): Promise<string[]>;
  /** Deletes every object under `prefix`; returns how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
  /** Reachability check for readiness probes. */
  ping(): Promise<void>;
}
