import { type Config, parseMasterKeys } from '@fhir-bulk/config';
import { EncryptingObjectStore } from './encryption/encrypting-object-store';
import type { ObjectStore } from './object-store';
import type { PartUploads } from './part-uploads';
import { S3ObjectStore } from './s3-object-store';

/** The server's own bucket, as both services hold it: what they write and serve, and the bucket's upkeep. */
export interface ServerObjectStore extends ObjectStore, PartUploads {
  readonly bucket: string;
  ensureBucket(): Promise<void>;
  deleteBucket(): Promise<void>;
  /** Another bucket on the same S3 server, read as stored: import inputs are never decrypted. */
  inBucket(bucket: string): S3ObjectStore;
}

/** The object store both services use, built from the validated configuration. */
export function objectStoreFromConfig(config: Config): ServerObjectStore {
  const s3 = new S3ObjectStore({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    bucket: config.S3_BUCKET,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    publicEndpoint: config.S3_PUBLIC_ENDPOINT,
    serverSideEncryption: config.S3_SSE === 'none' ? undefined : config.S3_SSE,
    sseKmsKeyId: config.S3_SSE_KMS_KEY_ID,
  });
  return config.OBJECT_ENCRYPTION === 'on'
    ? new EncryptedBucket(s3, parseMasterKeys(config.OBJECT_ENCRYPTION_KEYS))
    : s3;
}

/** The bucket with everything the server writes encrypted by the services (OBJECT_ENCRYPTION=on). */
class EncryptedBucket extends EncryptingObjectStore implements ServerObjectStore {
  constructor(
    private readonly s3: S3ObjectStore,
    keyring: ReturnType<typeof parseMasterKeys>,
  ) {
    super(s3, keyring);
  }

  get bucket(): string {
    return this.s3.bucket;
  }

  ensureBucket(): Promise<void> {
    return this.s3.ensureBucket();
  }

  deleteBucket(): Promise<void> {
    return this.s3.deleteBucket();
  }

  inBucket(bucket: string): S3ObjectStore {
    return this.s3.inBucket(bucket);
  }
}
