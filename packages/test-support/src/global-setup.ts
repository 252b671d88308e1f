import { ensureLocalStack } from './local-stack';

/**
 * Integration tests need the real servers. `npm test` starts them (infra/test.sh); a direct `npx jest` run
 * starts them here too, through the same idempotent script, so both ways test against the same stack.
 */
export default function globalSetup(): void {
  ensureLocalStack();
}
