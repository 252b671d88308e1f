import { type ExportManifest, jobPrefix, NDJSON } from '@fhir-bulk/export';
import { JobRecords } from '@fhir-bulk/jobs';
import type { OperationOutcome } from '@fhir-bulk/fhir';
import { type BulkStack, startBulkStack } from '@fhir-bulk/test-support';
import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { presignManifest } from '../src/manifest-urls';

const PARQUET = 'application/vnd.apache.parquet';

let stack: BulkStack;
const jobId = randomUUID();
const acmeJobId = randomUUID();
/** Over two 8 MiB parts, so ranges cross a part seam and nothing fits in one stream buffer. */
let big: Buffer;
const small = Buffer.from('{"resourceType":"Patient","id":"a"}\n{"resourceType":"Patient","id":"b"}\n');

beforeAll(async () => {
  stack = await startBulkStack();
  // Files are served only for a job on record in their tenant, to the client that started it: the suite's client.
  const records = new JobRecords(stack.store.db, 'export');
  for (const [id, tenant] of [
    [jobId, 'default'],
    [acmeJobId, 'acme'],
  ] as const) {
    const job = { jobId: id, tenant, requestedBy: stack.auth.clientId, requestUrl: `${stack.baseUrl}/$export` };
    await records.started({ ...job, types: ['Patient'] }, new Date());
  }
  big = ndjson(20 * 1024 * 1024);
  await put('default', 'Patient-0-0.ndjson', big);
  await put('default', 'Patient-0-1.ndjson', small);
  await put('default', 'Patient-deleted-0-0.ndjson', small);
  await put('default', 'OperationOutcome-0-0.ndjson', small);
  await put('default', 'Patient-1-0.parquet', Buffer.from('PAR1 not really parquet PAR1'), PARQUET);
  await put('acme', 'Patient-0-0.ndjson', small, NDJSON, acmeJobId);
});
afterAll(() => stack.stop());

/** Distinct lines (so gzip has real work and a wrong slice shows), cut to exactly `size` bytes. */
function ndjson(size: number): Buffer {
  const lines: string[] = [];
  for (let i = 0, length = 0; length < size; i++) {
    const line = `{"resourceType":"Observation","id":"obs-${i}","valueQuantity":{"value":${(i * 7919) % 10007}}}\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

const put = (tenant: string, name: string, body: Buffer, type = NDJSON, job = jobId) =>
  stack.objects.put(`${jobPrefix(tenant, job)}${name}`, body, type);

const fileUrl = (name: string, tenantPath = '', job = jobId) =>
  `${stack.baseUrl}${tenantPath}/_export/${job}/files/${name}`;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * node:http rather than fetch: fetch would decode gzip itself, and the test is about the bytes on the wire. Sent
 * with the suite client's access token, as its `fetch` would.
 */
async function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  const authorization = await stack.auth.http.headers();
  return new Promise((resolve, reject) => {
    request(url, { method, headers: { ...authorization, ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('export file download', () => {
  it('streams the whole file with its length and validators', async () => {
    const info = await stack.objects.stat(`${jobPrefix('default', jobId)}Patient-0-0.ndjson`);
    const reply = await get(fileUrl('Patient-0-0.ndjson'));
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({
      'content-type': expect.stringMatching(/^application\/fhir\+ndjson/),
      'content-length': String(big.length),
      'accept-ranges': 'bytes',
      etag: info!.etag,
      'last-modified': info!.lastModified!.toUTCString(),
      vary: 'Accept-Encoding',
    });
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.body.equals(big)).toBe(true);
  });

  it('gzips the stream for clients that accept it', async () => {
    const reply = await get(fileUrl('Patient-0-0.ndjson'), { 'Accept-Encoding': 'br;q=1, gzip;q=0.8' });
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
    expect(reply.headers['content-length']).toBeUndefined();
    expect(reply.headers.etag).toMatch(/^W\/"/);
    expect(reply.body.length).toBeLessThan(big.length / 3);
    expect(gunzipSync(reply.body).equals(big)).toBe(true);
  });

  it('does not gzip for clients that refuse it', async () => {
    const reply = await get(fileUrl('Patient-0-1.ndjson'), { 'Accept-Encoding': 'gzip;q=0, identity' });
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.body.equals(small)).toBe(true);
  });

  const size = 20 * 1024 * 1024;
  const seam = 8 * 1024 * 1024;
  it.each([
    ['across a part seam', `bytes=${seam - 50}-${seam + 49}`, seam - 50, seam + 49],
    ['to the end', `bytes=${size - 10}-`, size - 10, size - 1],
    ['as a suffix', 'bytes=-100', size - 100, size - 1],
    ['as a suffix longer than the file', `bytes=-${size + 5}`, 0, size - 1],
    ['past the end, cut to the end', `bytes=${size - 3}-${size + 1000}`, size - 3, size - 1],
  ])('serves a range %s with 206, identity-encoded even when gzip is accepted', async (_what, range, start, end) => {
    const reply = await get(fileUrl('Patient-0-0.ndjson'), { Range: range, 'Accept-Encoding': 'gzip' });
    expect(reply.status).toBe(206);
    expect(reply.headers).toMatchObject({
      'content-range': `bytes ${start}-${end}/${size}`,
      'content-length': String(end - start + 1),
    });
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.body.equals(big.subarray(start, end + 1))).toBe(true);
  });

  it('answers 416 with the size for a range past the end', async () => {
    const reply = await get(fileUrl('Patient-0-1.ndjson'), { Range: `bytes=${small.length}-` });
    expect(reply.status).toBe(416);
    expect(reply.headers['content-range']).toBe(`bytes */${small.length}`);
    expect((JSON.parse(reply.body.toString()) as OperationOutcome).resourceType).toBe('OperationOutcome');
  });

  it('serves the whole file for several ranges', async () => {
    const reply = await get(fileUrl('Patient-0-1.ndjson'), { Range: 'bytes=0-1,5-6' });
    expect(reply.status).toBe(200);
    expect(reply.body.equals(small)).toBe(true);
  });

  it('answers HEAD with the headers only', async () => {
    const reply = await get(fileUrl('Patient-0-0.ndjson'), {}, 'HEAD');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe(String(big.length));
    expect(reply.body.length).toBe(0);
  });

  it('serves tombstones, errors and Parquet files, the last never gzipped', async () => {
    for (const name of ['Patient-deleted-0-0.ndjson', 'OperationOutcome-0-0.ndjson']) {
      expect((await get(fileUrl(name))).body.equals(small)).toBe(true);
    }
    const parquet = await get(fileUrl('Patient-1-0.parquet'), { 'Accept-Encoding': 'gzip' });
    expect(parquet.status).toBe(200);
    expect(parquet.headers['content-type']).toBe(PARQUET);
    expect(parquet.headers['content-encoding']).toBeUndefined();
    expect(parquet.body.toString()).toBe('PAR1 not really parquet PAR1');
  });

  it('keeps serving after a client hangs up mid-download', async () => {
    const controller = new AbortController();
    const response = await stack.fetch(fileUrl('Patient-0-0.ndjson'), { signal: controller.signal });
    await response.body!.getReader().read();
    controller.abort();
    expect((await get(fileUrl('Patient-0-1.ndjson'))).body.equals(small)).toBe(true);
  });

  it.each([
    // URLs are made when the test runs: the stack's port is not known while the table is built.
    ['a name the export never writes', () => fileUrl('manifest.json')],
    ['a file that does not exist', () => fileUrl('Patient-0-9.ndjson')],
    ["another tenant's file", () => fileUrl('Patient-0-0.ndjson', '/tenant/other')],
    ['another job', () => fileUrl('Patient-0-0.ndjson').replace(jobId, randomUUID())],
  ])('answers 404 with an OperationOutcome for %s', async (_what, url) => {
    const reply = await get(url());
    expect(reply.status).toBe(404);
    expect((JSON.parse(reply.body.toString()) as OperationOutcome).issue[0]?.code).toBe('not-found');
  });

  it('serves a tenant its own file', async () => {
    expect((await get(fileUrl('Patient-0-0.ndjson', '/tenant/acme', acmeJobId))).body.equals(small)).toBe(true);
  });
});

describe('presigned manifests', () => {
  it('point every entry at S3 with URLs that download the bytes without a token', async () => {
    const files = `${stack.baseUrl}/_export/${jobId}/files`;
    const manifest: ExportManifest = {
      transactionTime: new Date().toISOString(),
      request: `${stack.baseUrl}/$export`,
      requiresAccessToken: true,
      output: [{ type: 'Patient', url: `${files}/Patient-0-1.ndjson`, count: 2 }],
      deleted: [{ type: 'Patient', url: `${files}/Patient-deleted-0-0.ndjson`, count: 2 }],
      error: [{ type: 'OperationOutcome', url: `${files}/OperationOutcome-0-0.ndjson`, count: 2 }],
    };
    const presigned = await presignManifest(manifest, stack.objects, {
      tenant: 'default',
      jobId,
      expiresInSeconds: 60,
    });
    const withoutUrls = (m: ExportManifest) => JSON.parse(JSON.stringify(m, (k, v: unknown) => (k === 'url' ? 0 : v)));
    expect(withoutUrls(presigned)).toEqual({ ...withoutUrls(manifest), requiresAccessToken: false });
    for (const entry of [...presigned.output, ...presigned.deleted, ...presigned.error]) {
      expect(entry.url.startsWith(`${stack.config.S3_ENDPOINT}/`)).toBe(true);
      // S3's own URL, signed in its query: fetched without an access token.
      const response = await fetch(entry.url);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(small)).toBe(true);
    }
    // The API stays a valid way to the same file.
    expect((await get(manifest.output[0]!.url)).body.equals(small)).toBe(true);
  });
});
