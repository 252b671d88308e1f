/**
 * `npm run migrate`: rewrites a store of the layout before issue 18 (collections shared by every tenant, resources
 * as nested documents) into the current one (packages/store/src/migrate.ts). Run it with the API and workers
 * stopped (they refuse to start until it is done); killed or failed, run it again: it resumes.
 */
import { loadConfig } from '@fhir-bulk/config';
import { connectMongo, legacyCollections, migrateStore } from '@fhir-bulk/store';

async function main(): Promise<void> {
  const config = loadConfig();
  const mongo = await connectMongo(config.MONGODB_URL);
  try {
    const db = mongo.db(config.MONGODB_DB);
    const legacy = await legacyCollections(db);
    if (legacy.length === 0) {
      console.log(`${config.MONGODB_DB}: nothing to migrate`);
      return;
    }
    console.log(`${config.MONGODB_DB}: migrating ${legacy.length} collections: ${legacy.join(', ')}`);
    const started = performance.now();
    let reported = 0;
    const { moved } = await migrateStore(db, {
      batchSize: Number(process.env.MIGRATE_BATCH_SIZE ?? 500),
      onStep: ({ collection, phase, moved: total }) => {
        if (phase === 'copied' || total - reported < 10_000) return;
        reported = total;
        console.log(`${collection}: ${total} documents moved so far`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`${config.MONGODB_DB}: migrated ${moved} documents in ${seconds.toFixed(1)} s`);
  } finally {
    await mongo.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
