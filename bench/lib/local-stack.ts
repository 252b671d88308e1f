import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './service-process';

/** Starts Temporal, FerretDB and versitygw unless they already answer (infra/stack.sh start is idempotent). */
export function ensureLocalStack(): void {
  try {
    execFileSync('bash', ['infra/stack.sh', 'status'], { cwd: REPO_ROOT, stdio: 'ignore' });
  } catch {
    console.log('starting the local stack (infra/stack.sh start)');
    execFileSync('bash', ['infra/stack.sh', 'start'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
}
