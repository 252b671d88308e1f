import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable, Transform } from 'node:stream';
import { type ByteRange, type ObjectInfo, type ObjectStore, PreconditionFailedError } from './object-store';
import type { PartUpload, PartUploads, UploadProgress } from './part-uploads';
import { abortS3Uploads, resumeS3Upload, S3PartUpload, type UploadTarget } from './s3-part-upload';

export interface S3Settings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  forcePathStyle: boolean;
  /** The endpoint clients reach, when it differs from `endpoint`: presigned URLs are signed for its host. */
  publicEndpoint?: string;
  /** Server-side encryption requested for every object; undefined sends no header. */
  serverSideEncryption?: ServerSideEncryption;
  /** The KMS key of `aws:kms` encryption; undefined lets S3 use the bucket's default key. */
  sseKmsKeyId?: string;
}

/** 8 MiB parts: above S3's 5 MiB minimum, and 4 in flight keeps an upload's memory near 32 MiB. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

export class S3ObjectStore implements ObjectStore, PartUploads {
  readonly client: S3Client;
  /** Signs presigned URLs only; it never sends a request, so it may name a host this process cannot reach. */
  private readonly presigner: S3Client;

  constructor(private readonly settings: S3Settings) {
    const clientFor = (endpoint: string) =>
      new S3Client({
        endpoint,
        region: settings.region,
        forcePathStyle: settings.forcePathStyle,
        credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      });
    this.client = clientFor(settings.endpoint);
    this.presigner = settings.publicEndpoint ? clientFor(settings.publicEndpoint) : this.client;
  }

  get bucket(): string {
    return this.settings.bucket;
  }

  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket })).catch((error: { name?: string }) => {
        // Another process may have created it between our check and our create.
        if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
      });
    }
  }

  async put(key: string, body: Readable | Buffer | string, contentType: string): Promise<{ size: number }> {
    let size = typeof body === 'string' ? Buffer.byteLength(body) : Buffer.isBuffer(body) ? body.length : 0;
    let counted = body;
    if (body instanceof Readable) {
      // Count bytes as they pass without switching the source to flowing mode (backpressure stays intact).
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          done(null, chunk);
        },
      });
      body.on('error', (error) => counter.destroy(error));
      counted = body.pipe(counter);
    }
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: counted,
        ContentType: contentType,
        ...this.encryptionParams(),
      },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    await upload.done();
    return { size };
  }

  startUpload(key: string, contentType: string): PartUpload {
    return new S3PartUpload(this.uploadTarget(), key, contentType);
  }

  resumeUpload(key: string, contentType: string, progress: UploadProgress): Promise<PartUpload | undefined> {
    return resumeS3Upload(this.uploadTarget(), key, contentType, progress);
  }

  abortUploads(prefix: string): Promise<number> {
    return abortS3Uploads(this.uploadTarget(), prefix);
  }

  private uploadTarget(): UploadTarget {
    return { client: this.client, bucket: this.bucket, encryption: this.encryptionParams() };
  }

  /**
   * What every write asks of S3's own encryption. `put` and part uploads are the only writes (no copies): they send
   * these with the single PutObject of a small body and with the CreateMultipartUpload of a large one, which S3
   * applies to all parts.
   */
  private encryptionParams() {
    const { serverSideEncryption, sseKmsKeyId } = this.settings;
    return {
      ...(serverSideEncryption ? { ServerSideEncryption: serverSideEncryption } : {}),
      ...(sseKmsKeyId ? { SSEKMSKeyId: sseKmsKeyId } : {}),
    };
  }

  async get(key: string, range?: ByteRange, ifMatch?: string): Promise<Readable> {
    const Range = range ? `bytes=${range.start}-${range.end}` : undefined;
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range, IfMatch: ifMatch }),
      );
      return response.Body as Readable;
    } catch (error) {
      if (statusOf(error) === 412) throw new PreconditionFailedError(key);
      throw error;
    }
  }

  /** The same store on another bucket of the same server (import inputs live in buckets of their own). */
  inBucket(bucket: string): S3ObjectStore {
    return new S3ObjectStore({ ...this.settings, bucket });
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        size: head.ContentLength ?? 0,
        contentType: head.ContentType,
        etag: head.ETag,
        lastModified: head.LastModified,
      };
    } catch (error) {
      // A HEAD answer has no body, so a missing key shows only as its status (the SDK names it NotFound or 404).
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.presigner, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }

  async getText(key: string): Promise<string> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return (await response.Body?.transformToString('utf-8')) ?? '';
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys.sort();
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    // DeleteObjects takes at most 1,000 keys per call.
    for (let i = 0; i < keys.length; i += 1_000) {
      const Objects = keys.slice(i, i + 1_000).map((Key) => ({ Key }));
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } }));
    }
    return keys.length;
  }

  /** Removes the (empty) bucket; used by tests that made a bucket of their own. */
  async deleteBucket(): Promise<void> {
    await this.client.send(new DeleteBucketCommand({ Bucket: this.bucket }));
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }
}

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
