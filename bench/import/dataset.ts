import { NDJSON } from '@fhir-bulk/export';
import type { S3ObjectStore } from '@fhir-bulk/object-store';
import { generatePopulation } from '@fhir-bulk/sample-data';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { basename, join } from 'node:path';
import { BENCH_TYPES } from '../lib/dataset';

/** Lines per input file: a type with more is split, so an import of N has several files to run side by side. */
export const LINES_PER_FILE = 200_000;

/** One NDJSON input file, written locally, then uploaded to `url`. */
export interface InputFile {
  type: string;
  path: string;
  lines: number;
  bytes: number;
}

export interface UploadedFile extends InputFile {
  /** `s3://bucket/key`, as the $import kick-off names it. */
  url: string;
}

/**
 * Writes exactly `resources` resources as NDJSON files in `dir`, one type per file (`Observation-02.ndjson`),
 * streamed from the sample population (deterministic; the export benchmark's types and mix: about 87%
 * Observations), so memory does not grow with N. Returns the files in type order, as the kick-off lists them.
 */
export async function writeDataset(dir: string, resources: number): Promise<InputFile[]> {
  const writers = new Map(BENCH_TYPES.map((type) => [type, new RollingNdjson(dir, type)]));
  let written = 0;
  // Every patient yields at least its Patient resource, so `resources` patients always suffice; generation is lazy.
  for (const resource of generatePopulation({ patients: resources, groups: 0 })) {
    if (written === resources) break;
    const writer = writers.get(resource.resourceType);
    if (!writer) continue;
    await writer.write(JSON.stringify(resource));
    written++;
  }
  const files: InputFile[] = [];
  for (const writer of writers.values()) files.push(...(await writer.close()));
  return files;
}

/** Uploads each file (streamed, multipart) under `prefix` of the import-input bucket `inputs`. */
export async function uploadDataset(
  inputs: S3ObjectStore,
  prefix: string,
  files: readonly InputFile[],
): Promise<UploadedFile[]> {
  const uploaded: UploadedFile[] = [];
  for (const file of files) {
    const key = `${prefix}${basename(file.path)}`;
    await inputs.put(key, createReadStream(file.path), NDJSON);
    uploaded.push({ ...file, url: `s3://${inputs.bucket}/${key}` });
  }
  return uploaded;
}

/** The files of one type: a new one is started every LINES_PER_FILE lines. */
class RollingNdjson {
  private readonly files: InputFile[] = [];
  private stream: WriteStream | undefined;

  constructor(
    private readonly dir: string,
    private readonly type: string,
  ) {}

  async write(line: string): Promise<void> {
    let current = this.files.at(-1);
    if (!this.stream || !current || current.lines === LINES_PER_FILE) {
      await this.end();
      const name = `${this.type}-${String(this.files.length + 1).padStart(2, '0')}.ndjson`;
      current = { type: this.type, path: join(this.dir, name), lines: 0, bytes: 0 };
      this.files.push(current);
      this.stream = createWriteStream(current.path);
    }
    const text = `${line}\n`;
    current.lines++;
    current.bytes += Buffer.byteLength(text);
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<InputFile[]> {
    await this.end();
    return this.files;
  }

  private async end(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return;
    // 'close' comes after the data is flushed and the file closed; once() rejects if 'error' comes first.
    const closed = once(stream, 'close');
    stream.end();
    await closed;
  }
}
