import { Readable } from 'node:stream';
import type { Config } from '@fhir-bulk/config';
import { objectStoreFromConfig } from '@fhir-bulk/object-store';
import { connectTestServices, type TestServices } from '@fhir-bulk/test-support';

let services: TestServices;
beforeAll(async () => {
  services = await connectTestServices();
});
afterAll(() => services.close());

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const text = async (stream: Readable) => (await bytes(stream)).toString('utf8');

/** The suite's store with some settings changed; tests only presign with it, which sends no request. */
const storeWith = (settings: Partial<Config>) => objectStoreFromConfig({ ...services.config, ...settings });

describe('S3ObjectStore on versitygw', () => {
  it('streams a body larger than one part as a multipart upload and reads back the same bytes', async () => {
    const line = `${'x'.repeat(1023)}\n`;
    const lines = 20 * 1024; // 20 MiB: three 8 MiB parts
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < lines; i += 256) yield Buffer.from(line.repeat(256));
      })(),
    );
    const { size } = await services.objects.put('big/file.ndjson', body, 'application/fhir+ndjson');
    expect(size).toBe(lines * 1024);
    const back = await text(await services.objects.get('big/file.ndjson'));
    expect(back.length).toBe(lines * 1024);
    expect(back.split('\n')).toHaveLength(lines + 1);
  });

  it('lists and deletes everything under a prefix, and nothing outside it', async () => {
    await services.objects.put('job-1/a.ndjson', 'a\n', 'application/fhir+ndjson');
    await services.objects.put('job-1/b.ndjson', 'b\n', 'application/fhir+ndjson');
    await services.objects.put('job-10/c.ndjson', 'c\n', 'application/fhir+ndjson');
    expect(await services.objects.list('job-1/')).toEqual(['job-1/a.ndjson', 'job-1/b.ndjson']);
    expect(await services.objects.deletePrefix('job-1/')).toBe(2);
    expect(await services.objects.list('job-1')).toEqual(['job-10/c.ndjson']);
    expect(await services.objects.getText('job-10/c.ndjson')).toBe('c\n');
  });

  it('reads a range across a part boundary without the rest of the object', async () => {
    // 9 MiB of distinct bytes: two parts, so the range below spans the seam between them.
    const body = Buffer.alloc(9 * 1024 * 1024, 0);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32BE(i, i);
    await services.objects.put('range/file.bin', body, 'application/octet-stream');
    const start = 8 * 1024 * 1024 - 100;
    const part = await bytes(await services.objects.get('range/file.bin', { start, end: start + 199 }));
    expect(part).toEqual(body.subarray(start, start + 200));
    const last = await bytes(
      await services.objects.get('range/file.bin', { start: body.length - 1, end: body.length - 1 }),
    );
    expect(last).toEqual(body.subarray(body.length - 1));
  });

  it('tells size and metadata without reading, and undefined for a missing key', async () => {
    const before = Date.now() - 1_000;
    await services.objects.put('stat/a.ndjson', '{"a":1}\n', 'application/fhir+ndjson');
    const info = await services.objects.stat('stat/a.ndjson');
    expect(info).toEqual({
      size: 8,
      contentType: 'application/fhir+ndjson',
      etag: expect.stringMatching(/^"[^"]+"$/),
      lastModified: expect.any(Date),
    });
    // HTTP dates have whole seconds only.
    expect(info!.lastModified!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(await services.objects.stat('stat/missing.ndjson')).toBeUndefined();
  });

  it('presigns GET URLs that download the object without credentials, and only that object', async () => {
    await services.objects.put('signed/a.ndjson', 'signed\n', 'application/fhir+ndjson');
    const url = await services.objects.presignGet('signed/a.ndjson', 60);
    expect(url).toMatch(/X-Amz-Expires=60/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('signed\n');
    // The signature covers the key: pointing it elsewhere is refused.
    expect((await fetch(url.replace('signed/a.ndjson', 'signed/b.ndjson'))).status).toBe(403);
    const forged = await storeWith({ S3_SECRET_ACCESS_KEY: 'not-the-secret' }).presignGet('signed/a.ndjson', 60);
    expect((await fetch(forged)).status).toBe(403);
  });

  it('signs presigned URLs for the public endpoint when one is set', async () => {
    const publicEndpoint = services.config.S3_ENDPOINT.replace('127.0.0.1', 'localhost');
    await services.objects.put('signed/public.ndjson', 'public\n', 'application/fhir+ndjson');
    const url = await storeWith({ S3_PUBLIC_ENDPOINT: publicEndpoint }).presignGet('signed/public.ndjson', 60);
    expect(url.startsWith(`${publicEndpoint}/`)).toBe(true);
    expect(await (await fetch(url)).text()).toBe('public\n');
  });
});

describe('EncryptingObjectStore on versitygw (OBJECT_ENCRYPTION=on)', () => {
  const encrypted = () =>
    storeWith({
      OBJECT_ENCRYPTION: 'on',
      OBJECT_ENCRYPTION_KEYS: [`int:${Buffer.alloc(32, 9).toString('base64')}`],
    });

  it('streams a multipart upload sealed, and reads back the plaintext whole and by ranges', async () => {
    // 20 MiB of distinct bytes: three parts of ciphertext, whose seams fall inside segments.
    const body = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32BE(i, i);
    const chunks = Readable.from(
      (function* () {
        for (let at = 0; at < body.length; at += 100_000) yield body.subarray(at, at + 100_000);
      })(),
    );
    const store = encrypted();
    expect(await store.put('sealed/big.bin', chunks, 'application/octet-stream')).toEqual({ size: body.length });
    expect((await store.stat('sealed/big.bin'))?.size).toBe(body.length);
    expect((await services.objects.stat('sealed/big.bin'))?.size).toBeGreaterThan(body.length);
    expect((await bytes(await store.get('sealed/big.bin'))).equals(body)).toBe(true);
    for (const start of [0, 8 * 1024 * 1024 - 100, body.length - 70_000]) {
      const end = Math.min(start + 69_999, body.length - 1);
      const part = await bytes(await store.get('sealed/big.bin', { start, end }));
      expect(part.equals(body.subarray(start, end + 1))).toBe(true);
    }
  });

  it('keeps If-Match on the stored entity tag', async () => {
    const store = encrypted();
    await store.put('sealed/etag.ndjson', '{"a":1}\n', 'application/fhir+ndjson');
    const { etag } = (await store.stat('sealed/etag.ndjson'))!;
    expect(await text(await store.get('sealed/etag.ndjson', undefined, etag))).toBe('{"a":1}\n');
    await expect(store.get('sealed/etag.ndjson', { start: 0, end: 1 }, '"other"')).rejects.toThrow(/changed/);
  });
});
