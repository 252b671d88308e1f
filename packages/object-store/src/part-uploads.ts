import { createHash } from 'node:crypto';

/**
 * S3's smallest part but the last (EntityTooSmall otherwise; versitygw enforces it too). A writer sizes its parts
 * at least this large.
 */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

/**
 * Where a multipart upload stands after its last completed part: all another process needs to go on with it, and
 * small whatever the number of parts, so it can be heartbeated after every part.
 */
export interface UploadProgress {
  uploadId: string;
  /** Parts completed, numbered 1..parts. */
  parts: number;
  /**
   * A digest of the parts' entity tags, in order (etagsDigest): a resumed upload whose parts are not these (one
   * rewritten since by another attempt) is refused instead of completed with them.
   */
  etags: string;
  /** Content bytes in those parts: the plaintext under encryption. */
  bytes: number;
  /** What a decorating store needs to go on (the encryption header, whose data key is wrapped). */
  sealing?: string;
}

/** An object written part by part, each part durable once `putPart` settles. */
export interface PartUpload {
  /** After the last completed part; undefined until the first. */
  readonly progress: UploadProgress | undefined;
  /**
   * Uploads the next part from the start of `content` and returns how many of its bytes the part holds: all of
   * them, or under encryption whole 64 KiB segments only, never the last byte (which closes the object). The
   * caller keeps the rest for the next part or `complete`.
   */
  putPart(content: Buffer): Promise<number>;
  /** Uploads `rest` (possibly empty) as the last part and completes the object; its size in content bytes. */
  complete(rest: Buffer): Promise<{ size: number }>;
  /** Gives the upload up: its parts are deleted. */
  abort(): Promise<void>;
}

/**
 * Multipart uploads that outlive the process writing them: a retried export activity resumes the file it was
 * writing after its last checkpointed part instead of writing the file again.
 */
export interface PartUploads {
  /** A new upload to `key`; nothing is stored before the first part (a file of one part is a single PUT). */
  startUpload(key: string, contentType: string): PartUpload;
  /**
   * The upload `progress` describes, to go on with; undefined when it cannot be: completed, aborted or expired, or
   * its first `progress.parts` parts are not the ones checkpointed (such an upload is aborted here).
   */
  resumeUpload(key: string, contentType: string, progress: UploadProgress): Promise<PartUpload | undefined>;
  /** Aborts every unfinished upload of a key under `prefix` (a job abandoned or purged); how many it aborted. */
  abortUploads(prefix: string): Promise<number>;
}

/** The digest `UploadProgress.etags` holds: 12 bytes of SHA-256 over the entity tags in part order. */
export function etagsDigest(etags: readonly string[]): string {
  const hash = createHash('sha256');
  for (const etag of etags) hash.update(etag.replace(/"/g, '')).update('\n');
  return hash.digest('base64url').slice(0, 16);
}

/**
 * An encrypted upload asked to complete with nothing after its parts: their last segment was sealed as not the
 * object's last, and only a byte after it could close the object. A writer starts the object again.
 */
export class UnclosableUploadError extends Error {
  constructor(key: string) {
    super(`${key}: nothing follows its completed parts to close the encrypted object with`);
    this.name = 'UnclosableUploadError';
  }
}
