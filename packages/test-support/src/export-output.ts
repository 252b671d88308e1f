import { type ExportManifest, fileName, jobPrefix, type ManifestOutput, OUTPUT_FILE_NAME } from '@fhir-bulk/export';
import type { ObjectStore } from '@fhir-bulk/object-store';
import { type BulkStack, pollUntilDone } from './bulk-stack';

/**
 * Reads every output file a job left in S3 (not what the manifest claims: what is really there) and counts how
 * often each `Type/id` occurs, so tests can assert "every resource exactly once".
 */
export async function exportedResourceCounts(objects: ObjectStore, tenant: string, jobId: string) {
  const counts = new Map<string, number>();
  for (const key of await objects.list(jobPrefix(tenant, jobId))) {
    const name = fileName(key);
    if (!OUTPUT_FILE_NAME.test(name) || name.includes('-deleted-') || name.startsWith('OperationOutcome-')) continue;
    for (const line of (await objects.getText(key)).split('\n')) {
      if (line === '') continue;
      const resource = JSON.parse(line) as { resourceType: string; id: string };
      const ref = `${resource.resourceType}/${resource.id}`;
      counts.set(ref, (counts.get(ref) ?? 0) + 1);
    }
  }
  return counts;
}

/** Asserts-ready summary: refs seen more than once, and refs expected but missing. */
export function exactlyOnce(counts: Map<string, number>, expected: Iterable<string>) {
  const wanted = new Set(expected);
  return {
    duplicated: [...counts].filter(([, n]) => n > 1).map(([ref]) => ref),
    missing: [...wanted].filter((ref) => !counts.has(ref)),
    unexpected: [...counts.keys()].filter((ref) => !wanted.has(ref)),
  };
}

/** One parsed NDJSON line of an export file: a resource (or, in `deleted` files, a Bundle; in `error`, an outcome). */
export type ExportedLine = Record<string, unknown> & { resourceType: string; id?: string };

/** A completed export as a client sees it: the manifest, and every line of the files it lists. */
export interface CompletedExport {
  jobId: string;
  statusUrl: string;
  manifest: ExportManifest;
  /** Each listed file's lines, by file name (`Patient-0-1.ndjson`), downloaded through its manifest URL. */
  files: Record<string, ExportedLine[]>;
  /** The lines of every `output` file, in manifest order. */
  output: ExportedLine[];
  deleted: ExportedLine[];
  error: ExportedLine[];
}

export interface ExportKickoff {
  /** POSTs these as a `Parameters` body; a GET otherwise. */
  parameters?: object[];
  prefer?: string;
}

/** Kicks off an export at `path` (e.g. `/tenant/t/Patient/$export?_type=Patient`) and returns its status URL. */
export async function startExport(
  stack: Pick<BulkStack, 'baseUrl' | 'fetch'>,
  path: string,
  { parameters, prefer = 'respond-async' }: ExportKickoff = {},
): Promise<string> {
  const response = await stack.fetch(`${stack.baseUrl}${path}`, {
    method: parameters ? 'POST' : 'GET',
    headers: { Prefer: prefer, ...(parameters ? { 'Content-Type': 'application/fhir+json' } : {}) },
    ...(parameters ? { body: JSON.stringify({ resourceType: 'Parameters', parameter: parameters }) } : {}),
  });
  if (response.status !== 202)
    throw new Error(`kick-off ${path} answered ${response.status}: ${await response.text()}`);
  return response.headers.get('content-location')!;
}

/**
 * Kicks off an export, polls it to completion and downloads every file of its manifest. Throws unless the job
 * completes, or a file's line count differs from the manifest's `count`.
 */
export async function exportAndWait(
  stack: Pick<BulkStack, 'baseUrl' | 'fetch'>,
  path: string,
  kickoff: ExportKickoff = {},
): Promise<CompletedExport> {
  const statusUrl = await startExport(stack, path, kickoff);
  const done = await pollUntilDone(statusUrl, stack.fetch);
  if (done.status !== 200) throw new Error(`export ${path} ended with ${done.status}: ${await done.text()}`);
  const manifest = (await done.json()) as ExportManifest;
  const files: Record<string, ExportedLine[]> = {};
  // Files the API serves need the token; presigned S3 URLs (requiresAccessToken false) take none.
  const download = manifest.requiresAccessToken ? stack.fetch : fetch;
  const read = async (entries: ManifestOutput[]) => {
    const lines: ExportedLine[] = [];
    for (const { url, count } of entries) {
      const text = await (await download(url)).text();
      const parsed = text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ExportedLine);
      if (parsed.length !== count)
        throw new Error(`${url}: the manifest says ${count} lines, the file has ${parsed.length}`);
      files[fileName(url)] = parsed;
      lines.push(...parsed);
    }
    return lines;
  };
  return {
    jobId: statusUrl.split('/').pop()!,
    statusUrl,
    manifest,
    output: await read(manifest.output),
    deleted: await read(manifest.deleted),
    error: await read(manifest.error),
    files,
  };
}

/** `Type/id` of each line, sorted: compare what was exported with what was expected, whatever the file order. */
export const refsOf = (lines: readonly ExportedLine[]) => lines.map((r) => `${r.resourceType}/${r.id}`).sort();
