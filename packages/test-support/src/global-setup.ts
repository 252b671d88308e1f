import { buildWorkflowBundle, prebuiltWorkflowBundle } from '@fhir-bulk/worker/src/workflow-bundle';
import { ensureLocalStack } from './local-stack';

/**
 * Integration tests need the real servers. `npm test` starts them (infra/test.sh); a direct `npx jest` run
 * starts them here too, through the same idempotent script, so both ways test against the same stack. The workflow
 * bundle is prebuilt here (unless it is up to date), as `npm start` does: every suite's worker, in-process or a
 * child process, loads it instead of bundling the workflows itself.
 */
export default async function globalSetup(): Promise<void> {
  ensureLocalStack();
  if ('unusable' in (await prebuiltWorkflowBundle())) await buildWorkflowBundle();
}
