import { Readable } from 'node:stream';
import { S3ObjectStore, type S3Settings } from '../src';

/** Answers S3 commands in memory before any request is built, and records each command's name and input. */
function recordingStore(settings: Partial<S3Settings>) {
  const store = new S3ObjectStore({
    endpoint: 'http://s3.invalid',
    region: 'us-east-1',
    accessKeyId: 'id',
    secretAccessKey: 'secret',
    bucket: 'b',
    forcePathStyle: true,
    ...settings,
  });
  const sent: Array<{ command: string; input: Record<string, unknown> }> = [];
  const outputs: Record<string, object> = {
    CreateMultipartUploadCommand: { UploadId: 'upload-1' },
    UploadPartCommand: { ETag: '"part"' },
  };
  store.client.middlewareStack.add(
    (_next, context) => async (args) => {
      sent.push({ command: context.commandName!, input: args.input as Record<string, unknown> });
      return { output: { $metadata: {}, ...outputs[context.commandName!] }, response: {} };
    },
    { step: 'initialize', name: 'record-and-answer' },
  );
  return { store, sent };
}

const writes = (sent: Array<{ command: string; input: Record<string, unknown> }>) =>
  sent.filter(({ command }) => command === 'PutObjectCommand' || command === 'CreateMultipartUploadCommand');

describe('S3 server-side encryption on every write', () => {
  it('asks for S3_SSE on a small put and on a multipart upload (which S3 applies to every part)', async () => {
    const { store, sent } = recordingStore({ serverSideEncryption: 'AES256' });
    await store.put('small.ndjson', 'x\n', 'application/fhir+ndjson');
    await store.put('large.ndjson', Readable.from([Buffer.alloc(9 * 1024 * 1024, 120)]), 'application/fhir+ndjson');
    expect(writes(sent).map(({ command, input }) => [command, input.ServerSideEncryption, input.SSEKMSKeyId])).toEqual([
      ['PutObjectCommand', 'AES256', undefined],
      ['CreateMultipartUploadCommand', 'AES256', undefined],
    ]);
    expect(sent.map(({ command }) => command)).toContain('CompleteMultipartUploadCommand');
  });

  it('asks for it on part uploads too: the single PUT of a one-part file and the multipart upload of a larger one', async () => {
    const { store, sent } = recordingStore({ serverSideEncryption: 'AES256' });
    await store.startUpload('small.ndjson', 'application/fhir+ndjson').complete(Buffer.from('x\n'));
    const large = store.startUpload('large.ndjson', 'application/fhir+ndjson');
    await large.putPart(Buffer.alloc(5 * 1024 * 1024 + 1, 120));
    await large.complete(Buffer.from('x\n'));
    expect(writes(sent).map(({ command, input }) => [command, input.ServerSideEncryption])).toEqual([
      ['PutObjectCommand', 'AES256'],
      ['CreateMultipartUploadCommand', 'AES256'],
    ]);
    expect(sent.map(({ command }) => command)).toContain('CompleteMultipartUploadCommand');
  });

  it('names the KMS key with aws:kms', async () => {
    const { store, sent } = recordingStore({ serverSideEncryption: 'aws:kms', sseKmsKeyId: 'alias/bulk' });
    await store.put('manifest.json', '{}', 'application/json');
    expect(writes(sent)[0]?.input).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/bulk' });
  });

  it('sends no encryption header with S3_SSE=none, for stores that reject it', async () => {
    const { store, sent } = recordingStore({});
    await store.put('manifest.json', '{}', 'application/json');
    expect(writes(sent)[0]?.input).not.toHaveProperty('ServerSideEncryption');
    expect(writes(sent)[0]?.input).not.toHaveProperty('SSEKMSKeyId');
  });
});
