/**
 * Runs the migration in small batches and SIGKILLs its own process at step KILL_AT (`copied:N`: after the Nth
 * batch is copied into the new collections but before it is deleted from the old one; `deleted:N`: after it is
 * deleted), as a crash would (used by migrate.int.test.ts).
 */
import { loadConfig } from '@fhir-bulk/config';
import { connectMongo, migrateStore } from '../src';

async function main(): Promise<void> {
  const config = loadConfig();
  const mongo = await connectMongo(config.MONGODB_URL);
  const [phase, count] = (process.env.KILL_AT ?? '').split(':');
  let steps = 0;
  await migrateStore(mongo.db(config.MONGODB_DB), {
    batchSize: 40,
    onStep: (step) => {
      if (step.phase === phase && ++steps === Number(count)) process.kill(process.pid, 'SIGKILL');
    },
  });
  throw new Error('the process should have been killed');
}

// A failure ends the process as an unhandled rejection (exit 1), which the test sees as a run that was not killed.
void main();
