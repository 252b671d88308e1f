import type { Readable } from 'node:stream';

/** What the store knows about an object without reading it. */
export interface ObjectInfo {
  size: number;
  contentType?: string;
  /** The entity tag as S3 sends it (quoted), fit for an HTTP ETag header. */
  etag?: string;
  lastModified?: Date;
}

/** Bytes `start` to `end` of an object, both inclusive, as in HTTP ranges. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where bulk outputs live. Domain code and activities depend on this interface only; the S3 adapter is one
 * implementation, so tests of pure logic never need a server.
 */
export interface ObjectStore {
  /** Streams `body` to `key` (multipart for large bodies, so memory stays bounded by the part size). */
  put(key: string, body: Readable | Buffer | string, contentType: string): Promise<{ size: number }>;
  /**
   * Streams the object, or only `range` of it: a ranged read transfers nothing outside the range. With `ifMatch`,
   * an object whose entity tag differs fails with PreconditionFailedError.
   */
  get(key: string, range?: ByteRange, ifMatch?: string): Promise<Readable>;
  /** Size and metadata of `key`; undefined when there is no such object. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** A URL that lets whoever holds it GET `key`, and nothing else, for `expiresInSeconds`, without credentials. */
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
  getText(key: string): Promise<string>;
  delete(key: string): Promise<void>;
  /** Keys under `prefix`, in lexical order. */
  list(prefix: string): Promise<string[]>;
  /** Deletes every object under `prefix`; returns how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
  /** Reachability check for readiness probes. */
  ping(): Promise<void>;
}

/** The object is not the one asked for any more: its entity tag differs from the If-Match given. */
export class PreconditionFailedError extends Error {
  constructor(key: string) {
    super(`${key} changed (entity tag differs)`);
    this.name = 'PreconditionFailedError';
  }
}
