import { jobPrefix, NDJSON, OUTPUT_FILE_NAME } from '@fhir-bulk/export';
import { notFound, OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import type { ByteRange, ObjectInfo, ObjectStore } from '@fhir-bulk/object-store';
import { type Response, Router } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import { byteRange } from '../byte-range';
import { JOB_ID, tenantOf } from '../fhir-base';

const PARQUET = 'application/vnd.apache.parquet';

/**
 * Streams an export's output file from S3 to the client; the tenant in the URL scopes what can be read, and only
 * names the export writes are looked up. HEAD answers the same headers without reading the object.
 */
export function exportFileRoutes(objects: ObjectStore): Router {
  const router = Router({ mergeParams: true });
  router.get('/_export/:jobId/files/:name', async (req, res) => {
    const { jobId, name } = req.params as { jobId: string; name: string };
    const missing = () => notFound(`No file ${name} in export ${jobId}`);
    if (!JOB_ID.test(jobId) || !OUTPUT_FILE_NAME.test(name)) throw missing();
    const key = `${jobPrefix(tenantOf(req), jobId)}${name}`;
    const info = await objects.stat(key);
    if (!info) throw missing();

    // Outputs never change once a manifest lists them, so a Range needs no If-Range check to stay consistent.
    const range = byteRange(req.headers.range, info.size);
    if (range === 'unsatisfiable') throw rangeNotSatisfiable(name, info.size);
    // Parquet compresses inside the file; gzip would spend CPU for nothing. Ranges are of the identity bytes.
    const ndjson = name.endsWith('.ndjson');
    const gzip = ndjson && !range && req.acceptsEncodings('gzip', 'identity') === 'gzip';
    setHeaders(res, info, ndjson, range, gzip);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await send(res, await objects.get(key, range), gzip);
  });
  return router;
}

function setHeaders(res: Response, info: ObjectInfo, ndjson: boolean, range: ByteRange | undefined, gzip: boolean) {
  res.type(ndjson ? NDJSON : PARQUET).set('Accept-Ranges', 'bytes');
  // Only NDJSON is ever gzipped, so only its responses depend on Accept-Encoding.
  if (ndjson) res.vary('Accept-Encoding');
  if (info.lastModified) res.set('Last-Modified', info.lastModified.toUTCString());
  // A strong ETag names exact bytes; the gzip form has other bytes, so it gets the weak one (as nginx does).
  if (info.etag) res.set('ETag', gzip ? `W/${info.etag}` : info.etag);
  if (gzip) {
    res.set('Content-Encoding', 'gzip');
  } else if (range) {
    res.status(206);
    res.set('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
    res.set('Content-Length', String(range.end - range.start + 1));
  } else {
    res.set('Content-Length', String(info.size));
  }
}

/**
 * Pipes the object to the client with backpressure, so memory stays at a few stream buffers whatever the file size.
 * Fastest gzip: the API may stream many large files at once, and NDJSON shrinks well even at level 1.
 */
async function send(res: Response, body: Readable, gzip: boolean): Promise<void> {
  try {
    await (gzip ? pipeline(body, createGzip({ level: constants.Z_BEST_SPEED }), res) : pipeline(body, res));
  } catch (error) {
    // The response closed early: the client hung up mid-download, which is no server error. pipeline has already
    // released the S3 stream. A failing S3 stream rejects with its own error instead, and is reported.
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw error;
  }
}

const rangeNotSatisfiable = (name: string, size: number) =>
  new OperationOutcomeError(416, outcome('error', 'invalid', `Range not satisfiable for ${name} (${size} bytes)`), {
    'Content-Range': `bytes */${size}`,
  });
