/**
 * `npm run build:workflows -- <file>`: bundles the workflows into one file, for workers started with
 * WORKER_WORKFLOW_BUNDLE=<file> (the Temporal SDK's advice for production: the bundle is built once, not by every
 * worker at start). Whoever starts workers builds it from the sources right before, so it never runs stale.
 */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export async function buildWorkflowBundle(out: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: new DefaultLogger('WARN'), // webpack's statistics are noise here
  });
  const path = resolve(out);
  await mkdir(dirname(path), { recursive: true });
  // Written aside and renamed: a worker starting meanwhile reads the old bundle or the new one, never half of one.
  await writeFile(`${path}.partial`, code);
  await rename(`${path}.partial`, path);
  return path;
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: build-workflow-bundle <output file>');
    process.exit(2);
  }
  buildWorkflowBundle(out).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
