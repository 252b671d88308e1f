import { type ExportManifest, jobPrefix, manifestKey } from '@fhir-bulk/export';
import { importKickoffBody, type ImportResult } from '@fhir-bulk/import';
import { EncryptingObjectStore, type S3ObjectStore } from '@fhir-bulk/object-store';
import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  importFile,
  ndjsonLines,
  pollUntilDone,
  putInput,
  startBulkStack,
  startImport,
} from '@fhir-bulk/test-support';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';

/**
 * OBJECT_ENCRYPTION=on end to end: what the worker writes lies in S3 as ciphertext, downloads through the API are
 * the exact plaintext (whole, ranged, gzipped), altered objects never reach a client as altered bytes, and the
 * keyring rotates. "Raw" reads go through a plain S3 client on the same bucket, which decrypts nothing.
 */
const SEGMENT = 64 * 1024;
const HEADER = 104;
const SEALED_SEGMENT = SEGMENT + 16;
const keyA = { id: 'key-a', key: randomBytes(32) };
const keyB = { id: 'key-b', key: randomBytes(32) };
const entry = ({ id, key }: { id: string; key: Buffer }) => `${id}:${key.toString('base64')}`;

let stack: BulkStack;
let raw: S3ObjectStore;
let statusUrl: string;
let manifest: ExportManifest;
/** The Patient file of the export, as the API serves it, and its object key. */
let plain: Buffer;
let fileKey: string;

const FAMILY = 'Quetzalcoatlova';
const patients = Array.from({ length: 3_000 }, (_, i) => ({
  resourceType: 'Patient',
  id: `pt-${String(i).padStart(5, '0')}`,
  name: [{ family: `${FAMILY}-${i}`, given: ['Ottilie'] }],
}));

beforeAll(async () => {
  // The keyring after a rotation: A older, B newest. Objects written before it are sealed under A alone.
  stack = await startBulkStack({
    env: { OBJECT_ENCRYPTION: 'on', OBJECT_ENCRYPTION_KEYS: `${entry(keyA)},${entry(keyB)}` },
  });
  raw = stack.objects.inBucket(stack.objects.bucket);
  await bulkLoad(stack.store, 'default', patients);
  const kickoff = await stack.fetch(`${stack.baseUrl}/$export?_type=Patient`, { headers: { Prefer: 'respond-async' } });
  statusUrl = kickoff.headers.get('content-location')!;
  const done = await pollUntilDone(statusUrl, stack.fetch);
  expect(done.status).toBe(200);
  manifest = (await done.json()) as ExportManifest;
  fileKey = `${jobPrefix('default', jobIdOf(statusUrl))}Patient-0-0.ndjson`;
  const download = await stack.fetch(manifest.output[0]!.url);
  expect(download.status).toBe(200);
  plain = Buffer.from(await download.arrayBuffer());
});
afterAll(() => stack.stop());

const jobIdOf = (url: string) => url.split('/').pop()!;
async function rawBytes(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await raw.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
const fileUrl = (name: string) => `${statusUrl}/files/${name}`;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Set when the server cut the connection before the body was complete. */
  cut?: Error;
}

/** node:http, to see a cut connection and the bytes received before it (and gzip bytes as sent). */
async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const authorization = await stack.auth.http.headers();
  return new Promise((resolve, reject) => {
    request(url, { headers: { ...authorization, ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      const reply = () => ({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) });
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(reply()));
      response.on('error', (cut) => resolve({ ...reply(), cut }));
    })
      .on('error', reject)
      .end();
  });
}

const keyOf = (name: string) => `${jobPrefix('default', jobIdOf(statusUrl))}${name}`;

/** Puts `bytes` as they are (no encryption) as a file of the export. */
const putRaw = (name: string, bytes: Buffer) => raw.put(keyOf(name), bytes, 'application/fhir+ndjson');

/** The export's Patient file sealed as the file `name` (the name is part of what authenticates it); its bytes. */
async function sealedAs(name: string): Promise<Buffer> {
  await new EncryptingObjectStore(raw, [keyA, keyB]).put(keyOf(name), plain, 'application/fhir+ndjson');
  return rawBytes(keyOf(name));
}

describe('export files encrypted at rest', () => {
  it('stores ciphertext only, while the download is the exact plaintext of every exported Patient', async () => {
    const stored = await rawBytes(fileKey);
    expect(stored.includes(Buffer.from(FAMILY))).toBe(false);
    expect(stored.includes(Buffer.from('"resourceType"'))).toBe(false);
    expect(plain.length).toBeGreaterThan(4 * SEGMENT);
    expect(stored.length).toBe(HEADER + plain.length + 16 * Math.ceil(plain.length / SEGMENT));

    const lines = ndjsonLines(plain.toString('utf8'));
    expect(lines).toHaveLength(patients.length);
    const byId = new Map(lines.map((line) => [line.id, line]));
    for (const patient of patients) expect(byId.get(patient.id)).toMatchObject(patient);
    expect(manifest.output).toEqual([expect.objectContaining({ type: 'Patient', count: patients.length })]);
  });

  it('encrypts the manifest too, and the status answer is the same as what the worker wrote', async () => {
    const stored = await rawBytes(manifestKey('default', jobIdOf(statusUrl)));
    expect(stored.includes(Buffer.from('Patient-0-0.ndjson'))).toBe(false);
    expect(JSON.parse(await stack.objects.getText(manifestKey('default', jobIdOf(statusUrl))))).toEqual(manifest);
  });

  it('answers Range requests with exactly the plaintext bytes asked, across segments and at the end', async () => {
    const last = plain.length - 1;
    const ranges: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 0],
      ['bytes=100-199', 100, 199],
      [`bytes=${SEGMENT - 10}-${SEGMENT + 9}`, SEGMENT - 10, SEGMENT + 9],
      [`bytes=${SEGMENT}-${2 * SEGMENT - 1}`, SEGMENT, 2 * SEGMENT - 1],
      [`bytes=${SEGMENT - 1}-${3 * SEGMENT + 1}`, SEGMENT - 1, 3 * SEGMENT + 1],
      [`bytes=${last}-${last}`, last, last],
      ['bytes=-10', last - 9, last],
      [`bytes=${last - 5}-`, last - 5, last],
    ];
    for (const [header, start, end] of ranges) {
      const reply = await get(manifest.output[0]!.url, { Range: header });
      expect([header, reply.status, reply.headers['content-range']]).toEqual([
        header,
        206,
        `bytes ${start}-${end}/${plain.length}`,
      ]);
      expect(reply.body.equals(plain.subarray(start, end + 1))).toBe(true);
    }
  });

  it('gzips the plaintext on request', async () => {
    const reply = await get(manifest.output[0]!.url, { 'Accept-Encoding': 'gzip' });
    expect(reply.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(reply.body).equals(plain)).toBe(true);
  });
});

describe('altered objects', () => {
  const segmentAt = (n: number) => HEADER + n * SEALED_SEGMENT;
  const flipped = (bytes: Buffer, at: number) => {
    const copy = Buffer.from(bytes);
    copy[at] = copy[at]! ^ 0x01;
    return copy;
  };

  it('answers 500 with an OperationOutcome, before any byte, when the header or first segment is altered or the file moved', async () => {
    await putRaw('Patient-9-0.ndjson', flipped(await sealedAs('Patient-9-0.ndjson'), segmentAt(0) + 50));
    await putRaw('Patient-9-1.ndjson', flipped(await sealedAs('Patient-9-1.ndjson'), 20));
    // Intact, but moved: the exported file's bytes under another name.
    await putRaw('Patient-9-2.ndjson', await rawBytes(fileKey));
    for (const name of ['Patient-9-0.ndjson', 'Patient-9-1.ndjson', 'Patient-9-2.ndjson']) {
      const reply = await get(fileUrl(name));
      expect(reply.status).toBe(500);
      expect(JSON.parse(reply.body.toString())).toMatchObject({ resourceType: 'OperationOutcome' });
    }
  });

  it('cuts the download, having sent only verified bytes, when a later segment is altered, moved or cut off', async () => {
    const swapped = (stored: Buffer) => {
      const copy = Buffer.from(stored);
      stored.copy(copy, segmentAt(2), segmentAt(3), segmentAt(4));
      stored.copy(copy, segmentAt(3), segmentAt(2), segmentAt(3));
      return copy;
    };
    const lastFull = (stored: Buffer) => Math.floor((stored.length - HEADER) / SEALED_SEGMENT) - 1;
    const alterations: Record<string, (stored: Buffer) => Buffer> = {
      'Patient-8-0.ndjson': (stored) => flipped(stored, segmentAt(2) + 1_000),
      'Patient-8-1.ndjson': swapped,
      'Patient-8-2.ndjson': (stored) => stored.subarray(0, segmentAt(lastFull(stored))),
      'Patient-8-3.ndjson': (stored) => Buffer.concat([stored, stored.subarray(segmentAt(1), segmentAt(2))]),
    };
    for (const [name, alter] of Object.entries(alterations)) {
      await putRaw(name, alter(await sealedAs(name)));
      const reply = await get(fileUrl(name));
      expect([name, reply.status, reply.cut?.message]).toEqual([name, 200, 'aborted']);
      expect(reply.body.length).toBeLessThan(plain.length);
      expect(reply.body.equals(plain.subarray(0, reply.body.length))).toBe(true);
    }
  });

  it('answers 500 to a Range over an altered segment', async () => {
    await putRaw('Patient-7-0.ndjson', flipped(await sealedAs('Patient-7-0.ndjson'), segmentAt(2) + 9));
    const reply = await get(fileUrl('Patient-7-0.ndjson'), { Range: `bytes=${2 * SEGMENT + 5}-${2 * SEGMENT + 6}` });
    expect(reply.status).toBe(500);
    expect((await get(fileUrl('Patient-7-0.ndjson'), { Range: 'bytes=0-9' })).body.equals(plain.subarray(0, 10))).toBe(
      true,
    );
  });
});

describe('master keys', () => {
  it('keeps files sealed under an older key readable, and seals new ones under the newest', async () => {
    const beforeRotation = new EncryptingObjectStore(raw, [keyA]);
    await beforeRotation.put(keyOf('Patient-6-0.ndjson'), plain, 'application/fhir+ndjson');
    const reply = await get(fileUrl('Patient-6-0.ndjson'));
    expect([reply.status, reply.body.equals(plain)]).toEqual([200, true]);

    // What the worker wrote after the rotation opens with B alone, and not with A alone.
    expect((await new EncryptingObjectStore(raw, [keyB]).getText(fileKey)) === plain.toString()).toBe(true);
    await expect(new EncryptingObjectStore(raw, [keyA]).get(fileKey)).rejects.toThrow(
      `${fileKey} is encrypted with master key "key-b", which is not in OBJECT_ENCRYPTION_KEYS`,
    );
  });

  it('fails a file whose key is not in the keyring with a 500 before any byte, naming the key id in the error', async () => {
    const retired = { id: 'key-retired', key: randomBytes(32) };
    const key = keyOf('Patient-5-0.ndjson');
    await new EncryptingObjectStore(raw, [retired]).put(key, plain, 'application/fhir+ndjson');
    expect((await get(fileUrl('Patient-5-0.ndjson'))).status).toBe(500);
    await expect(stack.objects.get(key)).rejects.toThrow('master key "key-retired", which is not in');
  });
});

describe('import with encryption on', () => {
  it('reads plaintext inputs and writes its error file encrypted, served decrypted', async () => {
    const file = importFile('Patient', 40, { prefix: 'imp' });
    const url = await putInput(stack.inputs, 'default/patients.ndjson', file.text);
    const { statusUrl: importStatus, jobId } = await startImport(
      stack.baseUrl,
      stack.fetch,
      importKickoffBody([{ type: 'Patient', url }]),
    );
    const done = await pollUntilDone(importStatus, stack.fetch);
    expect(done.status).toBe(200);
    const result = (await done.json()) as ImportResult;
    expect(result.output).toEqual([{ type: 'Patient', inputUrl: url, count: file.goodIds.length }]);

    const errors = await stack.fetch(result.error[0]!.url!);
    expect(errors.status).toBe(200);
    const outcomes = ndjsonLines(await errors.text());
    expect(outcomes).toHaveLength(file.badLines.length);
    const [errorKey] = (await raw.list('')).filter((key) => key.includes(jobId));
    expect(errorKey).toBeDefined();
    expect((await rawBytes(errorKey!)).includes(Buffer.from('OperationOutcome'))).toBe(false);
  });
});
