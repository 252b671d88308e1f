/**
 * One of two processes racing read-modify-write updates on one resource (used by version-claims.int.test.ts):
 * reads the Patient, writes it back with its counter extension one higher and If-Match on the version it read,
 * until WRITES writes succeeded. Starts at the line "go" on stdin, so both race from the first write; prints
 * `{ writes, conflicts, failures }` as JSON.
 */
import { loadConfig } from '@fhir-bulk/config';
import { createInterface } from 'node:readline';
import { connectMongo, ResourceStore, VersionConflictError } from '../src';
import { counterOf, withCounter } from './counter';

async function main(): Promise<void> {
  const config = loadConfig();
  const mongo = await connectMongo(config.MONGODB_URL);
  const store = new ResourceStore(mongo.db(config.MONGODB_DB));
  const [tenant, id] = [process.env.RACE_TENANT!, process.env.RACE_ID!];
  await store.read(tenant, 'Patient', id); // connected, before the start signal
  process.stdout.write('ready\n');
  await new Promise<void>((started) => createInterface({ input: process.stdin }).once('line', () => started()));
  const result = { writes: 0, conflicts: 0, failures: [] as string[] };
  while (result.writes < Number(process.env.WRITES)) {
    const current = (await store.read(tenant, 'Patient', id))!;
    const next = withCounter({ ...current.resource, id }, counterOf(current.resource) + 1);
    try {
      await store.write(tenant, next, { ifMatch: current.versionId });
      result.writes++;
    } catch (error) {
      if (error instanceof VersionConflictError) result.conflicts++;
      else result.failures.push(String(error));
      if (result.failures.length > 5) break;
    }
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await mongo.close();
}

void main();
