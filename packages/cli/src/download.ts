import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Send } from './auth';
import type { JobStateFile } from './job-state';
import { countsAsResource, type ManifestFile } from './manifest';
import type { ByteBar } from './output';
import { failWith, sendPolitely } from './polling';

export interface DownloadOptions {
  dir: string;
  send: Send;
  state: JobStateFile;
  /** Go on from partial files (Range) and keep complete ones, instead of downloading everything again. */
  resume: boolean;
  bar: ByteBar;
}

export interface Downloaded {
  name: string;
  bytes: number;
  /** The byte a resumed download started at (a 206 answer). */
  resumedAt?: number;
  skipped?: boolean;
}

/**
 * Downloads one manifest file into `dir` under its name. A resumed download asks for the missing bytes only
 * (`Range: bytes=N-` with `If-Range` the ETag first seen) and appends them when the server answers 206 with that same
 * ETag; a 200 or another ETag (the object changed) starts the file again, whole. The file is written as it arrives,
 * so an interrupted run (Ctrl-C, a network failure) leaves a partial file the next `--resume` goes on from.
 */
export async function downloadFile(file: ManifestFile, options: DownloadOptions): Promise<Downloaded> {
  const path = join(options.dir, file.name);
  const known = options.state.fileState(file.name);
  const local = existsSync(path) ? statSync(path).size : 0;
  if (options.resume && known?.size !== undefined && local === known.size) {
    options.bar.addTotal(local);
    options.bar.advance(local);
    return { name: file.name, bytes: local, skipped: true };
  }
  const resumable = options.resume && local > 0 && known?.etag !== undefined && (known.size ?? Infinity) > local;
  // Identity bytes: fetch would otherwise ask for gzip and unzip it unseen, and a gzipped answer has no length to
  // know a complete file by and only a weak ETag, while ranges are of the identity bytes.
  const identity = { 'Accept-Encoding': 'identity' };
  const headers = resumable ? { ...identity, Range: `bytes=${local}-`, 'If-Range': known.etag! } : identity;
  let response = await sendPolitely(options.send, file.entry.url, { headers });
  let resumedAt: number | undefined;
  if (response.status === 206 && response.headers.get('etag') === known?.etag) {
    resumedAt = local;
  } else if (response.status === 206 || response.status === 416) {
    // Another object than the one the partial file came from (or a range past its end): start again, whole.
    await response.body?.cancel();
    response = await sendPolitely(options.send, file.entry.url, { headers: identity });
  }
  if (response.status !== 200 && resumedAt === undefined) return failWith(`download of ${file.name}`, response);
  if (!response.body) throw new Error(`download of ${file.name}: no body`);
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (resumedAt === undefined) {
    const etag = response.headers.get('etag') ?? undefined;
    options.state.setFile(file.name, {
      ...(etag ? { etag } : {}),
      ...(Number.isFinite(length) ? { size: length } : {}),
    });
  }
  options.bar.addTotal((resumedAt ?? 0) + (Number.isFinite(length) ? length : 0));
  options.bar.advance(resumedAt ?? 0);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      options.bar.advance(chunk.length);
      done(null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    counter,
    createWriteStream(path, { flags: resumedAt === undefined ? 'w' : 'a' }),
  );
  return { name: file.name, bytes: (resumedAt ?? 0) + bytes, ...(resumedAt === undefined ? {} : { resumedAt }) };
}

/** The resources an NDJSON file holds (see countsAsResource), read line by line. */
export async function countResources(path: string, organized: boolean): Promise<number> {
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (countsAsResource(line, organized)) count++;
  }
  return count;
}

/** Runs `task` on every item, at most `limit` at once; the first failure stops handing out new items. */
export async function eachLimited<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await task(items[index]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
