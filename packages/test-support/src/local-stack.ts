import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './processes';

/**
 * Starts Temporal, FerretDB and versitygw unless they already answer, through the same idempotent script as
 * `npm test` (infra/stack.sh), so tests and benchmarks run against the stack a developer uses.
 */
export function ensureLocalStack(): void {
  try {
    execFileSync('bash', ['infra/stack.sh', 'status'], { cwd: REPO_ROOT, stdio: 'ignore' });
  } catch {
    console.log('starting the local stack (infra/stack.sh start)');
    execFileSync('bash', ['infra/stack.sh', 'start'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
}
