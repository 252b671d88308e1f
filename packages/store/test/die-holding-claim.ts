/**
 * Starts an update of Patient DIE_ID and SIGKILLs its own process once it holds the claim on the next version
 * (KILL_AT=claim), or once it has also archived the current version (KILL_AT=archive), as a crash would (used by
 * version-claims.int.test.ts).
 */
import { loadConfig } from '@fhir-bulk/config';
import { connectMongo, ResourceStore, toDocument, toHistory } from '../src';

async function main(): Promise<void> {
  const config = loadConfig();
  const mongo = await connectMongo(config.MONGODB_URL);
  const store = new ResourceStore(mongo.db(config.MONGODB_DB), undefined, { compareAndSwap: 'claim' });
  const [tenant, id] = [process.env.DIE_TENANT!, process.env.DIE_ID!];
  const current = (await store.read(tenant, 'Patient', id))!;
  const stamp = { versionId: current.versionId + 1, lastUpdated: new Date() };
  const replacement = toDocument(tenant, { resourceType: 'Patient', id, gender: 'unknown' }, stamp, '4.0.1');
  await store.swapCurrent('Patient', {
    expected: current,
    replacement,
    before: async () => {
      if (process.env.KILL_AT === 'archive') await store.history(tenant, 'Patient').insertOne(toHistory(current));
      process.kill(process.pid, 'SIGKILL');
    },
  });
  throw new Error('the process should have been killed');
}

// A failure ends the process as an unhandled rejection (exit 1), which the test sees as a run that was not killed.
void main();
