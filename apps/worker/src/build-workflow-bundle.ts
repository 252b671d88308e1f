/**
 * `npm run build:workflows [-- <file>]`: prebuilds the workflow bundle (default apps/worker/dist/workflow-bundle.js,
 * where workers look for it; elsewhere, start them with WORKER_WORKFLOW_BUNDLE=<file>). A bundle already built from
 * the current sources is kept.
 */
import { buildWorkflowBundle, DEFAULT_WORKFLOW_BUNDLE, prebuiltWorkflowBundle } from './workflow-bundle';

async function main(out: string): Promise<void> {
  const prebuilt = await prebuiltWorkflowBundle(out);
  if ('code' in prebuilt) console.log(`workflow bundle ${out} is up to date`);
  else console.log(`workflow bundle written to ${await buildWorkflowBundle(out)} (it was ${prebuilt.unusable})`);
}

main(process.argv[2] ?? DEFAULT_WORKFLOW_BUNDLE).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
