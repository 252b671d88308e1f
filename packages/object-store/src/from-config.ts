import type { Config } from '@fhir-bulk/config';
import { S3ObjectStore } from './s3-object-store';

/** The object store both services use, built from the validated configuration. */
export function objectStoreFromConfig(config: Config): S3ObjectStore {
  return new S3ObjectStore({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    bucket: config.S3_BUCKET,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    publicEndpoint: config.S3_PUBLIC_ENDPOINT,
    serverSideEncryption: config.S3_SSE === 'none' ? undefined : config.S3_SSE,
  });
}
