import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Send } from './auth';
import type { Connection } from './connection';
import { countResources, type Downloaded, downloadFile, eachLimited } from './download';
import { exportKickoff, type ExportOptions } from './export-kickoff';
import { JobStateFile } from './job-state';
import { countMismatches, joinPages, type Manifest, manifestFiles, nextPage } from './manifest';
import { formatBytes, type Output } from './output';
import { failWith, pollUntilDone, sendPolitely } from './polling';

export interface ExportRun extends ExportOptions {
  out: string;
  /** Go on with the export whose state is in `out` (no new kick-off), keeping what is already downloaded. */
  resume: boolean;
  concurrency: number;
}

/**
 * `fhir-bulk export`: kick-off (or, with --resume, the job already started into `out`), progress until the manifest,
 * downloads at most `concurrency` at once, line counts checked against the manifest, `manifest.json` written last.
 */
export async function runExport(connection: Connection, run: ExportRun, output: Output): Promise<void> {
  mkdirSync(run.out, { recursive: true });
  const state = run.resume ? JobStateFile.read(run.out) : JobStateFile.create(run.out, await kickOff(connection, run));
  output.say(`${run.resume ? 'resuming' : 'export started:'} ${state.state.statusUrl}`);
  const manifest = await awaitManifest(state.state.statusUrl, connection.send, output);

  const files = manifestFiles(manifest);
  // Presigned S3 URLs (requiresAccessToken false) must not be sent a token: it is not theirs to see.
  const send: Send = manifest.requiresAccessToken ? connection.send : (url, init) => fetch(url, init);
  const bar = output.byteBar(`downloading ${files.length} files`);
  let downloaded: Downloaded[];
  try {
    downloaded = await eachLimited(files, run.concurrency, async (file) => {
      const result = await downloadFile(file, { dir: run.out, send, state, resume: run.resume, bar });
      bar.fileDone(describe(result));
      return result;
    });
  } finally {
    bar.stop();
  }

  const organized = manifest.outputOrganizedBy !== undefined;
  const counted = new Map<string, number>();
  for (const file of files.filter((f) => !f.name.endsWith('.parquet'))) {
    counted.set(file.name, await countResources(join(run.out, file.name), organized));
  }
  const mismatches = countMismatches(files, counted);
  writeFileSync(join(run.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (mismatches.length > 0) {
    throw new Error(`downloaded files disagree with the manifest:\n  ${mismatches.join('\n  ')}`);
  }
  const bytes = downloaded.reduce((sum, d) => sum + d.bytes, 0);
  const resources = manifest.output.reduce((sum, entry) => sum + (entry.count ?? 0), 0);
  const checked =
    counted.size === files.length
      ? 'every count checked'
      : `${counted.size} of ${files.length} counts checked (Parquet files have no lines to count)`;
  // Parquet entries count the views' rows, not resources.
  const counts = files.some((f) => f.name.endsWith('.parquet')) ? 'rows' : 'resources';
  output.result(`${files.length} files, ${resources} ${counts}, ${formatBytes(bytes)} in ${run.out} (${checked})`);
  for (const [type, count] of byType(manifest)) output.result(`  ${type}: ${count}`);
}

const describe = (d: Downloaded) =>
  d.skipped
    ? `${d.name}: already complete`
    : d.resumedAt !== undefined
      ? `${d.name}: resumed at byte ${d.resumedAt}, ${d.bytes} bytes`
      : `${d.name}: ${d.bytes} bytes`;

function byType(manifest: Manifest): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of manifest.output)
    counts.set(entry.type ?? '?', (counts.get(entry.type ?? '?') ?? 0) + (entry.count ?? 0));
  return counts;
}

async function kickOff(connection: Connection, options: ExportOptions): Promise<string> {
  const request = exportKickoff(connection.base, options);
  const response = await sendPolitely(connection.send, request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  if (response.status !== 202) return failWith('export kick-off', response);
  const location = response.headers.get('content-location');
  if (!location) throw new Error('export kick-off answered 202 without Content-Location');
  return location;
}

/** Polls until the manifest, then reads every page of it (a partial manifest links its next page). */
export async function awaitManifest(statusUrl: string, send: Send, output: Output): Promise<Manifest> {
  const response = await pollUntilDone(statusUrl, send, (progress) => output.jobProgress(progress));
  output.done();
  if (response.status !== 200) return failWith('export', response);
  const pages = [(await response.json()) as Manifest];
  for (let next = nextPage(pages[0]!); next; next = nextPage(pages[pages.length - 1]!)) {
    const page = await sendPolitely(send, next);
    if (page.status !== 200) return failWith(`manifest page ${next}`, page);
    pages.push((await page.json()) as Manifest);
  }
  return joinPages(pages);
}
