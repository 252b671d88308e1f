import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type ExportManifest, fileName, jobPrefix, viewOfFile } from '@fhir-bulk/export';
import type { ObjectStore } from '@fhir-bulk/object-store';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Send } from '../lib/services';
import type { ViewExpectation } from './views';

/** One view's Parquet files as DuckDB reads them back. */
export interface ViewCheck {
  name: string;
  files: number;
  /** `count(*)` over its files: the manifest's counts summed and the rows expected, or the check failed. */
  rows: number;
  /** `count(DISTINCT id)`: the resources with at least one row. */
  ids: number;
}

/** Bytes of the manifest's output files, as S3 holds them. */
export async function outputBytes(
  objects: ObjectStore,
  tenant: string,
  jobId: string,
  manifest: ExportManifest,
): Promise<number> {
  let bytes = 0;
  for (const { url } of manifest.output) {
    const info = await objects.stat(`${jobPrefix(tenant, jobId)}${fileName(url)}`);
    if (!info) throw new Error(`${fileName(url)} is in the manifest but not in S3`);
    bytes += info.size;
  }
  return bytes;
}

/**
 * Checks a Parquet export independently of the server's own counting: downloads every output file through its
 * manifest URL, as a client would, and reads them with DuckDB. Per view, the rows must equal both the manifest's
 * counts summed and the rows the view yields over the loaded resources, and the distinct ids the resources that
 * yield any row. Throws listing every mismatch.
 */
export async function checkParquet(
  manifest: ExportManifest,
  expected: readonly ViewExpectation[],
  send: Send,
): Promise<ViewCheck[]> {
  // With the token only when the manifest says so: presigned S3 URLs (EXPORT_FILE_ACCESS=presigned) take none.
  const get = manifest.requiresAccessToken ? send : fetch;
  const problems: string[] = [];
  const byView = new Map(expected.map((view) => [view.name, { view, urls: [] as string[], counted: 0 }]));
  for (const { type, url, count } of manifest.output) {
    const name = fileName(url);
    const entry = byView.get(viewOfFile(name));
    if (!name.endsWith('.parquet') || !entry) problems.push(`unexpected output file ${name}`);
    else if (type !== entry.view.resource) problems.push(`${name} has type ${type}, not ${entry.view.resource}`);
    else {
      entry.urls.push(url);
      entry.counted += count;
    }
  }
  if (manifest.error.length > 0) problems.push(`the manifest lists ${manifest.error.length} error files`);

  const dir = await mkdtemp(join(tmpdir(), 'fhir-bulk-bench-parquet-'));
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  try {
    const checks: ViewCheck[] = [];
    for (const { view, urls, counted } of byView.values()) {
      const files = await Promise.all(urls.map((url) => download(get, url, dir)));
      const { rows, ids } = files.length > 0 ? await countRows(connection, files) : { rows: 0, ids: 0 };
      checks.push({ name: view.name, files: files.length, rows, ids });
      if (rows !== counted) problems.push(`${view.name}: the files hold ${rows} rows, the manifest counts ${counted}`);
      if (rows !== view.rows) problems.push(`${view.name}: the files hold ${rows} rows, the view yields ${view.rows}`);
      if (ids !== view.resources) {
        problems.push(`${view.name}: ${ids} distinct ids, not the ${view.resources} ${view.resource}s with rows`);
      }
    }
    if (problems.length > 0) throw new Error(`the Parquet export is wrong: ${problems.join('; ')}`);
    return checks;
  } finally {
    connection.closeSync();
    duckdb.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Streams one output file to `dir`, as a client downloads it; returns its path. */
async function download(get: Send, url: string, dir: string): Promise<string> {
  const response = await get(url);
  if (response.status !== 200 || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
  const path = join(dir, fileName(url));
  await pipeline(Readable.fromWeb(response.body), createWriteStream(path));
  return path;
}

async function countRows(
  connection: DuckDBConnection,
  files: readonly string[],
): Promise<{ rows: number; ids: number }> {
  const list = files.map((file) => `'${file.replace(/'/g, "''")}'`).join(', ');
  const reader = await connection.runAndReadAll(
    `SELECT count(*) AS rows, count(DISTINCT id) AS ids FROM read_parquet([${list}])`,
  );
  const [row] = reader.getRowObjectsJson();
  return { rows: Number(row?.rows), ids: Number(row?.ids) };
}
