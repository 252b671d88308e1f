import { NDJSON, PARQUET } from '@fhir-bulk/export';
import { OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import type { ByteRange, ObjectInfo, ObjectStore } from '@fhir-bulk/object-store';
import type { Request, Response } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import { byteRange } from './byte-range';

/**
 * Streams a job's file (export output, import error report) from S3: Content-Length and ETag, `Range` (206/416),
 * gzip on request for text (NDJSON, CSV), HEAD without reading the object. `missing` is thrown when there is no such
 * object. The content type is the one the file was written with (view rows as NDJSON are `application/x-ndjson`,
 * not FHIR's), else the extension's.
 */
export async function sendObject(
  req: Request,
  res: Response,
  objects: ObjectStore,
  key: string,
  missing: () => OperationOutcomeError,
): Promise<void> {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const info = await objects.stat(key);
  if (!info) throw missing();
  // Job files never change once listed, so a Range needs no If-Range check to stay consistent.
  const range = byteRange(req.headers.range, info.size);
  if (range === 'unsatisfiable') throw rangeNotSatisfiable(name, info.size);
  // Parquet compresses inside the file; gzip would spend CPU for nothing. Ranges are of the identity bytes.
  const text = !name.endsWith('.parquet');
  const gzip = text && !range && req.acceptsEncodings('gzip', 'identity') === 'gzip';
  setHeaders(res, info, text ? (info.contentType ?? NDJSON) : PARQUET, range, gzip);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await send(res, await objects.get(key, range), gzip);
}

function setHeaders(res: Response, info: ObjectInfo, contentType: string, range: ByteRange | undefined, gzip: boolean) {
  res.set('Content-Type', contentType).set('Accept-Ranges', 'bytes');
  // Only text is ever gzipped, so only its responses depend on Accept-Encoding.
  if (contentType !== PARQUET) res.vary('Accept-Encoding');
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
