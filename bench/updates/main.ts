/**
 * `npm run bench:updates -- [--resources 20000] [--updates 200]`
 *
 * Update latency on a type that holds many documents, with both ways a write makes sure it moves the version it
 * read (packages/store): `filter` (`replaceOne({_id, versionId})`, MongoDB's) and `claim` (`_id` operations only,
 * version-claims.ts). Loads N Patients into its own database (`bench_updates`, dropped before and after), then
 * times `--updates` REST-style updates per way (If-Match on the version last written, random resources), in
 * alternating blocks so both see the same machine load, and prints p50/p99/mean of each. Uses MONGODB_URL.
 */
import { loadConfig } from '@fhir-bulk/config';
import { bulkLoad, connectMongo, ResourceStore } from '@fhir-bulk/store';
import { parseArgs } from 'node:util';

const DATABASE = 'bench_updates';
const TENANT = 'bench-updates';
const BLOCK = 20;
const LOAD_BATCH = 1_000;

const patient = (i: number, family = 'Initial') => ({
  resourceType: 'Patient',
  id: `p${i}`,
  name: [{ family, given: ['Bench', `N${i}`] }],
  gender: i % 2 ? 'female' : 'male',
  birthDate: `19${String(50 + (i % 50))}-01-01`,
});

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { resources: { type: 'string', default: '20000' }, updates: { type: 'string', default: '200' } },
  });
  const [resources, updates] = [Number(values.resources), Number(values.updates)];
  const config = loadConfig();
  const mongo = await connectMongo(config.MONGODB_URL);
  const db = mongo.db(DATABASE);
  try {
    await db.dropDatabase();
    const started = performance.now();
    const loader = new ResourceStore(db);
    for (let i = 0; i < resources; i += LOAD_BATCH) {
      const batch = Array.from({ length: Math.min(LOAD_BATCH, resources - i) }, (_, j) => patient(i + j));
      await bulkLoad(loader, TENANT, batch);
    }
    console.log(`loaded ${resources} Patients in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const stores = {
      filter: new ResourceStore(db, undefined, { compareAndSwap: 'filter' }),
      claim: new ResourceStore(db, undefined, { compareAndSwap: 'claim' }),
    };
    const latencies = { filter: [] as number[], claim: [] as number[] };
    const versions = new Map<number, number>();
    for (let done = 0; done < updates; done += BLOCK) {
      for (const mode of ['filter', 'claim'] as const) {
        for (let n = 0; n < Math.min(BLOCK, updates - done); n++) {
          const i = Math.floor(Math.random() * resources);
          const ifMatch = versions.get(i) ?? 1;
          const t0 = performance.now();
          const { doc } = await stores[mode].write(TENANT, patient(i, `${mode}${done + n}`), { ifMatch });
          latencies[mode].push(performance.now() - t0);
          versions.set(i, doc.versionId);
        }
      }
      process.stdout.write(`\r${Math.min(done + BLOCK, updates)}/${updates} updates per way`);
    }
    console.log(`\n\nupdate latency, ${resources} Patients, ${updates} updates per way (ms):`);
    console.log('way     p50      p99      mean');
    for (const mode of ['filter', 'claim'] as const) {
      const sorted = [...latencies[mode]].sort((a, b) => a - b);
      const mean = sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length;
      const cells = [percentile(sorted, 0.5), percentile(sorted, 0.99), mean].map((ms) => ms.toFixed(1).padStart(8));
      console.log(`${mode.padEnd(6)}${cells.join(' ')}`);
    }
  } finally {
    await db.dropDatabase();
    await mongo.close();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
