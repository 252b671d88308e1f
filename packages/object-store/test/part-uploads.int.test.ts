import { ListMultipartUploadsCommand, ListPartsCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import type { Config } from '@fhir-bulk/config';
import { MIN_PART_BYTES, objectStoreFromConfig, type PartUpload, S3ObjectStore } from '@fhir-bulk/object-store';
import { connectTestServices, type TestServices } from '@fhir-bulk/test-support';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

let services: TestServices;
beforeAll(async () => {
  services = await connectTestServices();
});
afterAll(() => services.close());

/** A fresh store, as a worker started after a kill builds it: nothing shared with the one that began the upload. */
const freshStore = (settings: Partial<Config> = {}) => objectStoreFromConfig({ ...services.config, ...settings });
const encryption: Partial<Config> = {
  OBJECT_ENCRYPTION: 'on',
  OBJECT_ENCRYPTION_KEYS: [`parts:${Buffer.alloc(32, 7).toString('base64')}`],
};

/** `length` distinct bytes from `seed` on, so a part out of place or repeated shows. */
function distinct(length: number, seed = 0): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i + 4 <= length; i += 4) bytes.writeUInt32BE((seed + i) >>> 0, i);
  return bytes;
}

const read = async (stream: Readable) => buffer(stream);

/** The bucket as stored, for what the store does not do itself (list or rewrite parts). */
function s3(): S3ObjectStore {
  const store = freshStore({ OBJECT_ENCRYPTION: 'off' });
  if (!(store instanceof S3ObjectStore)) throw new Error('expected the plain S3 store');
  return store;
}

/** The parts S3 holds for an upload: number and entity tag. */
async function listedParts(key: string, uploadId: string) {
  const { client, bucket } = s3();
  const parts = await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  return (parts.Parts ?? []).map(({ PartNumber, ETag }) => ({ PartNumber, ETag }));
}

/** Puts `content` as the next part; whatever the part did not take is returned, to lead the next one. */
async function putPart(upload: PartUpload, content: Buffer): Promise<Buffer> {
  return content.subarray(await upload.putPart(content));
}

describe.each([
  ['plain', {}],
  ['encrypted (OBJECT_ENCRYPTION=on)', encryption],
])('part uploads, %s', (name, settings) => {
  it('goes on with an upload from its progress in another process, and the parts join into one object', async () => {
    const key = `parts/${name.split(' ')[0]}/resumed.ndjson`;
    const content = distinct(3 * MIN_PART_BYTES + 70_000);
    const first = freshStore(settings).startUpload(key, 'application/fhir+ndjson');
    let rest = await putPart(first, content.subarray(0, MIN_PART_BYTES + 1));
    rest = await putPart(first, Buffer.concat([rest, content.subarray(MIN_PART_BYTES + 1, 2 * MIN_PART_BYTES + 2)]));
    const progress = first.progress!;
    expect(progress).toMatchObject({ parts: 2 });
    // Encrypted parts hold whole 64 KiB segments, never the last byte given; plain parts all of it.
    expect(progress.bytes).toBe(2 * MIN_PART_BYTES + 2 - rest.length);
    const before = await listedParts(key, progress.uploadId);

    const resumed = await freshStore(settings).resumeUpload(key, 'application/fhir+ndjson', progress);
    expect(resumed?.progress).toEqual(progress);
    rest = await putPart(resumed!, content.subarray(progress.bytes, 3 * MIN_PART_BYTES + 3));
    const { size } = await resumed!.complete(content.subarray(3 * MIN_PART_BYTES + 3 - rest.length));

    expect(size).toBe(content.length);
    const after = await listedParts(key, progress.uploadId).catch(() => undefined);
    expect(after).toBeUndefined(); // completed: no upload left
    expect(before).toHaveLength(2);
    const store = freshStore(settings);
    expect((await read(await store.get(key))).equals(content)).toBe(true);
    const start = progress.bytes - 100;
    const range = await read(await store.get(key, { start, end: start + 199 }));
    expect(range.equals(content.subarray(start, start + 200))).toBe(true);
  });

  it('writes a file within one part with a single PUT, leaving no upload behind', async () => {
    const key = `parts/${name.split(' ')[0]}/small.ndjson`;
    const upload = freshStore(settings).startUpload(key, 'application/fhir+ndjson');
    expect(await upload.complete(Buffer.from('{"a":1}\n'))).toEqual({ size: 8 });
    expect(upload.progress).toBeUndefined();
    expect(await freshStore(settings).getText(key)).toBe('{"a":1}\n');
  });

  it('refuses to resume an aborted upload, or one whose parts are not the checkpointed ones', async () => {
    const store = freshStore(settings);
    const aborted = store.startUpload('parts/aborted.ndjson', 'application/fhir+ndjson');
    await aborted.putPart(distinct(MIN_PART_BYTES + 1));
    const abortedProgress = aborted.progress!;
    await aborted.abort();
    expect(await store.resumeUpload('parts/aborted.ndjson', 'x', abortedProgress)).toBeUndefined();

    const key = `parts/${name.split(' ')[0]}/rewritten.ndjson`;
    const rewritten = store.startUpload(key, 'application/fhir+ndjson');
    await rewritten.putPart(distinct(MIN_PART_BYTES + 1));
    const checkpointed = rewritten.progress!;
    // Another attempt rewrites part 1 with other bytes after the checkpoint was taken.
    const { client, bucket } = s3();
    const Body = distinct(MIN_PART_BYTES, 1);
    await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: checkpointed.uploadId, PartNumber: 1, Body }),
    );
    expect(await store.resumeUpload(key, 'x', checkpointed)).toBeUndefined();
    // Refused and aborted, so its parts are not kept.
    await expect(listedParts(key, checkpointed.uploadId)).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });
});

it('aborts every unfinished upload under a prefix and none outside it', async () => {
  const store = freshStore();
  await store.abortUploads('abort/'); // what an earlier run may have left
  for (const key of ['abort/job-1/a.ndjson', 'abort/job-1/b.ndjson', 'abort/job-10/c.ndjson']) {
    await store.startUpload(key, 'application/fhir+ndjson').putPart(distinct(MIN_PART_BYTES + 1));
  }
  expect(await store.abortUploads('abort/job-1/')).toBe(2);
  const { client, bucket } = s3();
  const left = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'abort/' }));
  expect((left.Uploads ?? []).map((u) => u.Key)).toEqual(['abort/job-10/c.ndjson']);
  expect(await store.abortUploads('abort/')).toBe(1);
});
