import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';

/**
 * Where `import` uploads its files: the import bucket the server reads `$import` inputs from (IMPORT_S3_BUCKETS),
 * on the S3 endpoint both can reach. Credentials come from S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (the names the
 * server and the local stack use), else from the AWS SDK's usual chain (AWS_* variables, profiles); never argv.
 */
export interface S3Target {
  endpoint?: string;
  region: string;
  bucket: string;
}

export function s3Client(target: S3Target, env: NodeJS.ProcessEnv = process.env): S3Client {
  const { S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey } = env;
  return new S3Client({
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint, forcePathStyle: true } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  });
}

/** Creates the bucket when it is missing (a fresh local stack has none; nothing else creates it). */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw error;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

/** Streams a file to `key`, reporting bytes as parts go out. */
export async function uploadFile(
  client: S3Client,
  bucket: string,
  key: string,
  path: string,
  onBytes: (bytes: number) => void,
): Promise<void> {
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: createReadStream(path), ContentType: 'application/fhir+ndjson' },
  });
  let sent = 0;
  upload.on('httpUploadProgress', ({ loaded }) => {
    if (loaded === undefined || loaded <= sent) return;
    onBytes(loaded - sent);
    sent = loaded;
  });
  await upload.done();
}
