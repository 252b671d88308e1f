import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  type ServerSideEncryption,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { etagsDigest, type PartUpload, type UploadProgress } from './part-uploads';

/** What every write to the bucket carries: its name, and S3's own encryption settings (s3-object-store.ts). */
export interface UploadTarget {
  client: S3Client;
  bucket: string;
  encryption: { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string };
}

/**
 * One S3 multipart upload, created with its first part. Holds the entity tags of its parts (CompleteMultipartUpload
 * names every part with its tag, so parts rewritten by another attempt since are refused, as InvalidPart).
 */
export class S3PartUpload implements PartUpload {
  private uploadId: string | undefined;
  private readonly etags: string[];
  private bytes: number;

  constructor(
    private readonly target: UploadTarget,
    private readonly key: string,
    private readonly contentType: string,
    resumed?: { uploadId: string; etags: string[]; bytes: number },
  ) {
    this.uploadId = resumed?.uploadId;
    this.etags = resumed?.etags ?? [];
    this.bytes = resumed?.bytes ?? 0;
  }

  get progress(): UploadProgress | undefined {
    if (this.uploadId === undefined) return undefined;
    return { uploadId: this.uploadId, parts: this.etags.length, etags: etagsDigest(this.etags), bytes: this.bytes };
  }

  async putPart(content: Buffer): Promise<number> {
    const { client, bucket: Bucket, encryption } = this.target;
    this.uploadId ??= (
      await client.send(
        new CreateMultipartUploadCommand({ Bucket, Key: this.key, ContentType: this.contentType, ...encryption }),
      )
    ).UploadId;
    const part = await client.send(
      new UploadPartCommand({
        Bucket,
        Key: this.key,
        UploadId: this.uploadId,
        PartNumber: this.etags.length + 1,
        Body: content,
        ContentLength: content.length,
      }),
    );
    if (!part.ETag) throw new Error(`S3 answered part ${this.etags.length + 1} of ${this.key} without an ETag`);
    this.etags.push(part.ETag);
    this.bytes += content.length;
    return content.length;
  }

  async complete(rest: Buffer): Promise<{ size: number }> {
    const { client, bucket: Bucket, encryption } = this.target;
    if (this.uploadId === undefined) {
      // A file within one part is one PUT, as the SDK's Upload helper did for small bodies.
      await client.send(
        new PutObjectCommand({ Bucket, Key: this.key, Body: rest, ContentType: this.contentType, ...encryption }),
      );
      return { size: rest.length };
    }
    if (rest.length > 0) await this.putPart(rest);
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: this.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
      }),
    );
    return { size: this.bytes };
  }

  async abort(): Promise<void> {
    if (this.uploadId === undefined) return;
    await abortUpload(this.target, this.key, this.uploadId);
  }
}

/**
 * The upload `progress` describes, if S3 still holds it with the checkpointed parts: their entity tags come from
 * ListParts and must digest to the checkpointed ones. Parts numbered after them (uploaded after the checkpoint)
 * are overwritten as the resumed writer uploads them again. Gone: undefined; other parts: aborted, undefined.
 */
export async function resumeS3Upload(
  target: UploadTarget,
  key: string,
  contentType: string,
  progress: UploadProgress,
): Promise<S3PartUpload | undefined> {
  const etags = await listedEtags(target, key, progress.uploadId);
  if (etags === undefined) return undefined;
  const kept = etags.slice(0, progress.parts);
  if (kept.length !== progress.parts || kept.includes(undefined) || etagsDigest(kept as string[]) !== progress.etags) {
    await abortUpload(target, key, progress.uploadId);
    return undefined;
  }
  return new S3PartUpload(target, key, contentType, {
    uploadId: progress.uploadId,
    etags: kept as string[],
    bytes: progress.bytes,
  });
}

/** The entity tags of an upload's parts by part number (index 0: part 1), or undefined if there is no such upload. */
async function listedEtags(target: UploadTarget, key: string, uploadId: string) {
  const etags: (string | undefined)[] = [];
  let PartNumberMarker: string | undefined;
  try {
    do {
      const page = await target.client.send(
        new ListPartsCommand({ Bucket: target.bucket, Key: key, UploadId: uploadId, PartNumberMarker }),
      );
      for (const part of page.Parts ?? []) if (part.PartNumber) etags[part.PartNumber - 1] = part.ETag;
      PartNumberMarker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (PartNumberMarker);
  } catch (error) {
    if (isNoSuchUpload(error)) return undefined;
    throw error;
  }
  return Array.from(etags);
}

/** Aborts every unfinished upload under `prefix`. */
export async function abortS3Uploads(target: UploadTarget, prefix: string): Promise<number> {
  let aborted = 0;
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  do {
    const page = await target.client.send(
      new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: prefix, KeyMarker, UploadIdMarker }),
    );
    for (const { Key, UploadId } of page.Uploads ?? []) {
      if (!Key || !UploadId) continue;
      await abortUpload(target, Key, UploadId);
      aborted++;
    }
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    UploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (KeyMarker);
  return aborted;
}

async function abortUpload(target: UploadTarget, key: string, uploadId: string): Promise<void> {
  try {
    await target.client.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: key, UploadId: uploadId }));
  } catch (error) {
    // Completed or aborted meanwhile (by another attempt, or by cleanup): nothing is left to abort.
    if (!isNoSuchUpload(error)) throw error;
  }
}

const isNoSuchUpload = (error: unknown) =>
  (error as { name?: string }).name === 'NoSuchUpload' ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
