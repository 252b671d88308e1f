import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Connection } from './connection';
import { fileNameOf } from './manifest';
import { importFiles, importKickoffBody } from './import-files';
import { formatBytes, type Output } from './output';
import { failWith, pollUntilDone, sendPolitely } from './polling';
import { ensureBucket, type S3Target, s3Client, uploadFile } from './s3-upload';

export interface ImportRun {
  paths: string[];
  /** Every file's type, instead of each file's first resourceType. */
  type?: string;
  mode: 'IncrementalLoad' | 'InitialLoad';
  s3: S3Target;
  /** Under `{tenant}/` in the bucket (a tenant may import only from its own prefix). */
  prefix: string;
  /** Where the error files of bad lines are saved. */
  errorsDir: string;
}

interface ImportResult {
  output: Array<{ type: string; inputUrl: string; count: number }>;
  error: Array<{ type: string; inputUrl: string; count: number; url: string }>;
}

/** How many bad lines the summary quotes from each error file. */
const QUOTED_ERRORS = 3;

/**
 * `fhir-bulk import`: uploads the files to the import bucket under the tenant's prefix, kicks off `$import` with
 * their s3:// URLs, shows progress, then sums up what landed and which lines were refused, saving the error files.
 */
export async function runImport(connection: Connection, run: ImportRun, output: Output): Promise<void> {
  const files = await importFiles(run.paths, run.type);
  const client = s3Client(run.s3);
  await ensureBucket(client, run.s3.bucket);
  const prefix = `${connection.tenant}/${run.prefix.replace(/^\/+|\/+$/g, '')}`;
  const bar = output.byteBar(`uploading ${files.length} files`);
  const inputs: Array<{ type: string; url: string }> = [];
  try {
    for (const file of files) {
      bar.addTotal(file.size);
      const key = `${prefix}/${file.name}`;
      await uploadFile(client, run.s3.bucket, key, file.path, (bytes) => bar.advance(bytes));
      bar.fileDone(`${file.name} (${file.type}): ${formatBytes(file.size)}`);
      inputs.push({ type: file.type, url: `s3://${run.s3.bucket}/${key}` });
    }
  } finally {
    bar.stop();
    client.destroy();
  }

  const kickoff = await sendPolitely(connection.send, `${connection.base}/$import`, {
    method: 'POST',
    headers: { Accept: 'application/fhir+json', Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(importKickoffBody(inputs, run.mode)),
  });
  if (kickoff.status !== 202) return failWith('$import kick-off', kickoff);
  const statusUrl = kickoff.headers.get('content-location');
  if (!statusUrl) throw new Error('$import answered 202 without Content-Location');
  output.say(`import started: ${statusUrl}`);
  const response = await pollUntilDone(statusUrl, connection.send, (progress) => output.jobProgress(progress));
  output.done();
  if (response.status !== 200) return failWith('import', response);
  await summarise((await response.json()) as ImportResult, connection, run.errorsDir, output);
}

async function summarise(result: ImportResult, connection: Connection, errorsDir: string, output: Output) {
  const imported = result.output.reduce((sum, entry) => sum + entry.count, 0);
  const refused = result.error.reduce((sum, entry) => sum + entry.count, 0);
  output.result(`imported ${imported} resources from ${result.output.length} files; ${refused} lines refused`);
  for (const entry of result.output) output.result(`  ${entry.type} ${entry.count} from ${entry.inputUrl}`);
  if (result.error.length === 0) return;
  mkdirSync(errorsDir, { recursive: true });
  for (const entry of result.error) {
    const path = join(errorsDir, fileNameOf(entry.url));
    const download = await sendPolitely(connection.send, entry.url);
    if (download.status !== 200 || !download.body) return failWith(`error file ${entry.url}`, download);
    await pipeline(Readable.fromWeb(download.body as WebReadableStream<Uint8Array>), createWriteStream(path));
    output.result(`  ${entry.count} bad lines in ${entry.inputUrl}: ${path}`);
    for (const line of await firstIssues(path)) output.result(`    ${line}`);
  }
}

/** The first few diagnostics of an error file (one OperationOutcome per bad line). */
async function firstIssues(path: string): Promise<string[]> {
  const issues: string[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (issues.length === QUOTED_ERRORS) break;
    if (line.trim() === '') continue;
    const outcome = JSON.parse(line) as { issue?: Array<{ diagnostics?: string }> };
    issues.push(outcome.issue?.map((issue) => issue.diagnostics).join('; ') ?? line);
  }
  lines.close();
  return issues;
}
