/**
 * The workflows prebuilt into one file (the Temporal SDK's advice for production: bundled once, not by every worker
 * at start), stamped with a hash of every source file webpack put in it, so a worker never runs a stale bundle: one
 * whose sources changed since it was built is refused, and the worker bundles at start instead.
 */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';

/** The repository (or the image's /app): stamped paths are relative to it, so a moved checkout stays fresh. */
const ROOT = resolve(__dirname, '../../..');

/** Where `npm run build:workflows` writes the bundle and the worker looks for it unless WORKER_WORKFLOW_BUNDLE says. */
export const DEFAULT_WORKFLOW_BUNDLE = resolve(__dirname, '../dist/workflow-bundle.js');

/** The stamp opens the bundle's first line, as a comment, so the code's line numbers (and source map) are unchanged. */
const STAMP = /^\/\* fhir-bulk workflow sources (\{.*?\}) \*\//;

interface Stamp {
  sha256: string;
  /** Every module in the bundle, relative to ROOT: our workflows, the contract, the SDK's workflow runtime. */
  files: string[];
}

async function sourcesHash(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(await readFile(resolve(ROOT, file)))
      .update('\0');
  return hash.digest('hex');
}

/**
 * The modules webpack bundled, as files: the SDK bundles in development mode, which names each module by its path
 * relative to the working directory (`/***\/ "./apps/worker/src/workflows/index.ts"`); ignored ones are `?hash`.
 */
function bundledFiles(code: string): string[] {
  const ids = [...code.matchAll(/^\/\*\*\*\/ "(\.\/[^"]+)"/gm)].map((match) => match[1]!);
  if (ids.length === 0) throw new Error('the workflow bundle names no modules: has the SDK changed how it bundles?');
  return [...new Set(ids.map((id) => relative(ROOT, resolve(id))))].sort();
}

/** Bundles ./workflows into `out`, stamped; returns its absolute path. */
export async function buildWorkflowBundle(out = DEFAULT_WORKFLOW_BUNDLE): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: new DefaultLogger('WARN'), // webpack's statistics are noise here
  });
  const files = bundledFiles(code);
  const stamp: Stamp = { sha256: await sourcesHash(files), files };
  const path = resolve(out);
  await mkdir(dirname(path), { recursive: true });
  // Written aside and renamed: a worker starting meanwhile reads the old bundle or the new one, never half of one.
  await writeFile(`${path}.partial`, `/* fhir-bulk workflow sources ${JSON.stringify(stamp)} */${code}`);
  await rename(`${path}.partial`, path);
  return path;
}

/**
 * The bundle at `path` when it was built from the sources as they are now (its code, for the SDK's
 * `workflowBundle`), else why not: missing, unstamped, or stale.
 */
export async function prebuiltWorkflowBundle(
  path = DEFAULT_WORKFLOW_BUNDLE,
): Promise<{ code: string } | { unusable: string }> {
  const code = await readFile(path, 'utf8').catch(() => undefined);
  if (code === undefined) return { unusable: 'missing' };
  const recorded = STAMP.exec(code)?.[1];
  if (!recorded) return { unusable: 'not stamped with its sources' };
  const stamp = JSON.parse(recorded) as Stamp;
  const now = await sourcesHash(stamp.files).catch(() => undefined);
  return now === stamp.sha256 ? { code } : { unusable: 'stale: its sources changed since it was built' };
}
