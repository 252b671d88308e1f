import { connectBenchServers } from '../lib/bench-servers';
import { BENCH_TYPES, type Dataset, prepareDataset } from '../lib/dataset';
import { checkExported, measureExport } from '../lib/export-client';
import type { BenchOptions } from '../lib/options';

/**
 * `npm run bench:export -- --resources N --neighbour K`: does a tenant's export cost its own data only (issue 18,
 * point 2)? Exports a tenant of N resources alone in its database, then loads a tenant of K × N beside it in the
 * same database and exports the first again; prints both times and their ratio (the issue asks ≤ 1.5 at K = 10).
 * Before each tenant had collections of its own, FerretDB decoded the neighbour's documents on every scan.
 */
export async function measureNeighbour(options: BenchOptions): Promise<void> {
  const database = 'bench-neighbour';
  const small: Dataset = { tenant: 'small', database, resources: options.resources };
  const large: Dataset = { tenant: 'large', database, resources: options.resources * options.neighbour };
  const context = await connectBenchServers(small, ['export']);
  const db = context.mongo.db(database);
  try {
    await prepareDataset(db, small, options.skipLoad);
    const alone = await exportSeconds(context, small, options.workers);
    await prepareDataset(db, large, options.skipLoad, { beside: true });
    const beside = await exportSeconds(context, small, options.workers);
    console.log(
      `${small.tenant} (${small.resources} resources): export alone ${alone.toFixed(1)} s, beside ` +
        `${large.resources} resources of ${large.tenant} ${beside.toFixed(1)} s: ratio ${(beside / alone).toFixed(2)}`,
    );
  } finally {
    if (!options.keep) await db.dropDatabase();
    await context.close();
  }
}

async function exportSeconds(context: Parameters<typeof measureExport>[0], dataset: Dataset, workers: number) {
  return measureExport(context, dataset, { query: BENCH_TYPES, workers }, ({ manifest, seconds }) => {
    checkExported(dataset.tenant, manifest, dataset.resources);
    return Promise.resolve(seconds);
  });
}
