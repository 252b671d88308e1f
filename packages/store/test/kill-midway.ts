/**
 * Runs a transaction and SIGKILLs its own process after op KILL_AFTER_OP, as a crash would, leaving the journal
 * and the writes done so far behind (used by transaction.int.test.ts).
 */
import { loadConfig } from '@fhir-bulk/config';
import { connectMongo, ResourceStore, TransactionRunner } from '../src';

async function main(): Promise<void> {
  const config = loadConfig();
  const mongo = await connectMongo(config.MONGODB_URL);
  const store = new ResourceStore(mongo.db(config.MONGODB_DB));
  const killAfter = Number(process.env.KILL_AFTER_OP);
  const runner = await TransactionRunner.create(store, mongo, {
    afterOp: (index) => {
      if (index === killAfter) process.kill(process.pid, 'SIGKILL');
    },
  });
  await runner.run(
    't-kill',
    ['existing', 'k1', 'k2', 'k3'].map((id) => ({
      type: 'Patient',
      id,
      resource: { resourceType: 'Patient', id, gender: 'male' },
    })),
  );
  throw new Error('the process should have been killed');
}

// A failure ends the process as an unhandled rejection (exit 1), which the test sees as a run that was not killed.
void main();
