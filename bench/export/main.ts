/**
 * `npm run bench:export -- [--resources 1000000] [--keep] [--skip-load] [--encryption] [--workers 1]
 *   [--kills 0] [--rounds 1] [--neighbour K]`
 *
 * Loads N resources (Patient, Observation, Condition, MedicationRequest) into tenant `bench` and N/10 into
 * `bench10`, then for each tenant measures (a) the raw baseline, the MongoDB driver draining the same collections
 * into local NDJSON files, and (b) the whole export as a client sees it: API kick-off, Temporal, a fresh worker
 * process, S3 upload, manifest. Prints resources/s of both, their ratio and the worker's peak RSS at N and N/10,
 * and writes the result to bench/results/. It reports; it fails only when an export fails or its counts are wrong.
 * `--keep` leaves the data in place and a later `--skip-load` reuses it when the counts still match.
 * `--encryption` also measures what OBJECT_ENCRYPTION=on costs the export of N (encryption-cost.ts).
 * `--kills N` measures instead what N worker crashes cost an export of N resources (kills.ts).
 * `--neighbour K` measures instead what a K times larger tenant in the same database costs the export of N
 * (neighbour.ts).
 */
import type { Db } from 'mongodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchServers, connectBenchServers } from '../lib/bench-servers';
import { BENCH_TYPES, type Dataset, prepareDataset } from '../lib/dataset';
import { checkExported, measureExport } from '../lib/export-client';
import { type BenchOptions, parseOptions } from '../lib/options';
import { type Timing, timing, writeResult } from '../lib/report';
import { runBenchmark } from '../lib/run-benchmark';
import { stopServices } from '../lib/services';
import { workflowPhases } from '../lib/workflow-phases';
import { measureEncryptionCost, printEncryptionCost } from './encryption-cost';
import { killsDataset, measureKills, printKills } from './kills';
import { measureNeighbour } from './neighbour';
import { drainToNdjson } from './raw-baseline';
import { benchResult, printReport, printRun, type TenantRun } from './report';

/**
 * N resources in tenant `bench`, N/10 in `bench10`: the pair the worker's peak RSS is compared across. Each has a
 * database of its own because FerretDB v1 (SQLite) pushes only `_id` equality down to SQL: a tenant's key-range
 * query scans the whole collection, so N/10 stored beside N would be read at the cost of 1.1 N.
 */
function datasetsFor(resources: number): { full: Dataset; tenth: Dataset } {
  return {
    full: { tenant: 'bench', database: 'bench', resources },
    tenth: { tenant: 'bench10', database: 'bench10', resources: Math.floor(resources / 10) },
  };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const options = parseOptions(process.argv.slice(2), { withEncryption: true, withWorkers: true, withKills: true });
  if (options.kills > 0) return killedExports(options);
  // The encryption cost is measured against the export of N, on one worker.
  if (options.encryption && options.workers > 1) throw new Error('--encryption compares exports on one worker only');
  if (options.neighbour > 0) return measureNeighbour(options);
  const { full, tenth } = datasetsFor(options.resources);
  // Server addresses, bucket and task queue are the same for both datasets.
  const context = await connectBenchServers(full, ['export']);
  const { mongo } = context;
  try {
    const tenthLoad = await prepareDataset(mongo.db(tenth.database), tenth, options.skipLoad);
    const fullLoad = await prepareDataset(mongo.db(full.database), full, options.skipLoad);
    const tenthRun = await measure(context, tenth, tenthLoad, options.workers);
    const fullRun = await measure(context, full, fullLoad, options.workers);
    const encryption = options.encryption ? await measureEncryptionCost(context, full, fullRun.e2e.seconds) : undefined;

    const result = benchResult(startedAt, options, fullRun, tenthRun, encryption);
    printReport(result);
    if (result.encryption) printEncryptionCost(result.encryption);
    console.log(`result written to ${writeResult('export', result)}`);
  } finally {
    await stopServices();
    if (!options.keep) for (const { database } of [tenth, full]) await mongo.db(database).dropDatabase();
    await context.close();
  }
}

/** `--kills N`: clean and killed exports of N resources, in a dataset of their own. */
async function killedExports(options: BenchOptions): Promise<void> {
  if (options.encryption || options.workers > 1) throw new Error('--kills runs on one worker, without --encryption');
  const context = await connectBenchServers(killsDataset(options.resources), ['export']);
  try {
    const result = await measureKills(context, options);
    printKills(result);
    console.log(`result written to ${writeResult('export', result)}`);
  } finally {
    await stopServices();
    if (!options.keep) await context.mongo.db(killsDataset(options.resources).database).dropDatabase();
    await context.close();
  }
}

/** The raw drain, then the export through its own API and a fresh worker (so each export's peak RSS is its own). */
async function measure(
  context: BenchServers,
  dataset: Dataset,
  loadSeconds: number | null,
  workers: number,
): Promise<TenantRun> {
  const { tenant, resources } = dataset;
  console.log(`${tenant}: raw baseline, ${resources} resources`);
  const raw = await measureRaw(context.mongo.db(dataset.database), tenant, resources);

  return measureExport(
    context,
    dataset,
    { query: BENCH_TYPES, workers },
    async ({ job, manifest, seconds, workerPeakRssMb }) => {
      checkExported(tenant, manifest, resources);
      const e2e = timing(resources, seconds);
      const run: TenantRun = {
        tenant,
        resources,
        loadSeconds,
        raw,
        e2e: { ...e2e, jobId: job.jobId, phases: await workflowPhases(context.temporal, job.jobId) },
        ratio: e2e.resourcesPerSecond / raw.resourcesPerSecond,
        workerPeakRssMb,
      };
      printRun(run);
      return run;
    },
  );
}

async function measureRaw(db: Db, tenant: string, resources: number): Promise<Timing> {
  const dir = await mkdtemp(join(tmpdir(), `fhir-bulk-bench-${tenant}-`));
  try {
    const started = performance.now();
    const drained = await drainToNdjson(db, tenant, BENCH_TYPES, dir);
    const seconds = (performance.now() - started) / 1000;
    if (drained !== resources) throw new Error(`${tenant}: the raw drain read ${drained} resources, not ${resources}`);
    return timing(resources, seconds);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

runBenchmark(main);
