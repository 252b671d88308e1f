/**
 * `npm run bench:import -- [--resources 1000000] [--kills 2] [--rounds 1] [--reimport] [--keep]`
 *
 * Generates N resources as NDJSON (Patient, Observation, Condition, MedicationRequest; several files per type when
 * large) and uploads them to the import-input bucket, then measures (a) the raw baseline, the MongoDB driver
 * inserting the same documents into a fresh database, and (b) the whole $import as a client sees it: kick-off,
 * Temporal, a fresh worker process reading S3 and writing MongoDB, status polling until the result. Prints
 * resources/s of both, their ratio and the worker's peak RSS. Then (c) the same $import on a fresh database with
 * the worker SIGKILLed `--kills` times, spread evenly over the clean import's time so each lands mid-file, and a
 * fresh worker started at once each time: prints its time over the clean import's. With `--rounds N`, (c) is run
 * N times, each after a clean import of its own, and the verdict takes the median ratio. With `--reimport`, (b) is
 * followed by the same $import into the same database: every resource exists unchanged. Writes the result to
 * bench/results/. It fails when an import fails, its counts (result or database) are not N, or a resumed import
 * (or a re-import) wrote a second version of anything. `--keep` leaves databases and inputs.
 */
import { importPrefix } from '@fhir-bulk/import';
import type { MongoClient } from 'mongodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiBaseUrl, type BenchServers, connectBenchServers } from '../lib/bench-servers';
import type { Dataset } from '../lib/dataset';
import { type Timing, timing, writeResult } from '../lib/report';
import { runBenchmark } from '../lib/run-benchmark';
import { startApi, startWorker, stopServices } from '../lib/services';
import { evenlyOver, killWorkersAt } from '../lib/worker-kills';
import { peakRssMb, resetPeakRss } from '../lib/worker-memory';
import { workflowPhases } from '../lib/workflow-phases';
import { insertBaseline } from './baseline';
import { awaitImportResult, kickOffImport } from './client';
import { type UploadedFile, uploadDataset, writeDataset } from './dataset';
import { type ImportBenchOptions, parseImportOptions } from './options';
import { type ImportBenchResult, importBenchResult, printImportReport, type ResumedRun } from './report';
import { checkImportResult, checkSingleVersions, checkStored, linesByType } from './verify';

const TENANT = 'bench-import';
/** The import's database and the baseline's: the benchmark's own, dropped before each run. */
const IMPORT_DATABASE = 'bench_import';
const RAW_DATABASE = 'bench_import_raw';
/** Where the inputs go in the import-input bucket; an earlier `--keep` run's are replaced. */
/** A tenant imports only from its own prefix of an import bucket. */
const INPUT_PREFIX = `${TENANT}/`;

async function main(): Promise<void> {
  const startedAt = new Date();
  const options = parseImportOptions(process.argv.slice(2));
  const dataset: Dataset = { tenant: TENANT, database: IMPORT_DATABASE, resources: options.resources };
  const context = await connectBenchServers(dataset, ['export', 'import']);
  const { config, mongo } = context;
  const dir = await mkdtemp(join(tmpdir(), 'fhir-bulk-bench-import-'));
  const bucket = config.IMPORT_S3_BUCKETS[0];
  const inputs = bucket === undefined ? undefined : context.objects.inBucket(bucket);
  try {
    if (!inputs) throw new Error('IMPORT_S3_BUCKETS names no bucket to put the inputs in');
    await inputs.ensureBucket();
    await inputs.deletePrefix(INPUT_PREFIX);

    console.log(`generating ${options.resources} resources as NDJSON`);
    let started = performance.now();
    const written = await writeDataset(dir, options.resources);
    const generateSeconds = (performance.now() - started) / 1000;
    console.log(`uploading ${written.length} files to s3://${bucket}/${INPUT_PREFIX}`);
    started = performance.now();
    const files = await uploadDataset(inputs, INPUT_PREFIX, written);
    const uploadSeconds = (performance.now() - started) / 1000;

    const settings = {
      batchSize: config.IMPORT_BATCH_SIZE,
      maxConcurrentFiles: config.IMPORT_MAX_CONCURRENT_FILES,
      consumerCount: config.IMPORT_CONSUMER_COUNT,
      baselineWriters: config.IMPORT_MAX_CONCURRENT_FILES * config.IMPORT_CONSUMER_COUNT,
    };
    console.log(`raw baseline: insertMany into ${RAW_DATABASE}`);
    const raw = await measureRaw(mongo, files, settings.batchSize, settings.baselineWriters);
    const { e2e, workerPeakRssMb } = await measureImport(context, files);
    const reimport = options.reimport ? await measureReimport(context, files) : undefined;
    const resumed = options.kills > 0 ? await measureResumedRounds(context, files, e2e.seconds, options) : [];

    const result = importBenchResult({
      startedAt: startedAt.toISOString(),
      options,
      settings,
      dataset: {
        resources: options.resources,
        byType: Object.fromEntries(linesByType(files)),
        files: files.map(({ type, url, lines, bytes }) => ({ type, url, lines, bytes })),
        generateSeconds,
        uploadSeconds,
      },
      raw,
      e2e,
      workerPeakRssMb,
      ...(reimport ? { reimport } : {}),
      resumed,
    });
    printImportReport(result);
    console.log(`result written to ${writeResult('import', result)}`);
  } finally {
    await stopServices();
    await rm(dir, { recursive: true, force: true });
    if (!options.keep) {
      for (const database of [RAW_DATABASE, IMPORT_DATABASE]) await mongo.db(database).dropDatabase();
      await inputs?.deletePrefix(INPUT_PREFIX);
    }
    await context.close();
  }
}

async function measureRaw(
  mongo: MongoClient,
  files: readonly UploadedFile[],
  batchSize: number,
  writers: number,
): Promise<ImportBenchResult['raw']> {
  const db = mongo.db(RAW_DATABASE);
  const { seconds, inserted, prepareSeconds } = await insertBaseline(db, TENANT, files, { batchSize, writers });
  const resources = files.reduce((sum, file) => sum + file.lines, 0);
  // The driver's own count: FerretDB counts by reading every document, minutes at 1M; the import's count is checked.
  if (inserted !== resources) throw new Error(`the raw baseline inserted ${inserted} resources, not ${resources}`);
  const raw = { ...timing(resources, seconds), prepareSeconds };
  console.log(`raw: ${raw.seconds.toFixed(1)} s (${Math.round(raw.resourcesPerSecond)}/s)`);
  return raw;
}

/**
 * The $import through its own API and a fresh worker on a fresh database (`again`: on the database the previous one
 * left), then its counts checked. With `killAt` (seconds after kick-off), the worker is SIGKILLed at each of those
 * moments and a fresh one started at once.
 */
async function measureImport(
  context: BenchServers,
  files: readonly UploadedFile[],
  killAt: readonly number[] = [],
  again = false,
): Promise<Pick<ImportBenchResult, 'e2e' | 'workerPeakRssMb'> & { restartSeconds: number }> {
  const { config, env, apiPort, mongo, temporal } = context;
  const db = mongo.db(IMPORT_DATABASE);
  if (!again) await db.dropDatabase();
  console.log('starting the API and a worker');
  const baseUrl = apiBaseUrl(apiPort);
  const { api, send } = await startApi(env, baseUrl);
  const worker = await startWorker(env, temporal, config.TEMPORAL_TASK_QUEUE);
  const startup = peakRssMb(worker.pid);
  resetPeakRss(worker.pid);
  console.log(`$import of ${files.length} files`);
  const job = await kickOffImport(`${baseUrl}/tenant/${TENANT}`, files, send);
  const start = () => startWorker(env, temporal, config.TEMPORAL_TASK_QUEUE);
  const kills = killWorkersAt(worker, start, { started: job.started, killAt, job: 'import' });
  try {
    const { result, seconds } = await Promise.race([
      awaitImportResult(job, (progress) => console.log(`import: ${progress}`), send),
      worker.crashed,
      api.crashed,
      kills.crashed,
    ]);
    kills.finish();
    await kills.done;
    const peak = peakRssMb(kills.worker.pid);
    await Promise.all([kills.worker.stop(), api.stop()]);
    checkImportResult(result, files);
    console.log(`counting the resources in ${IMPORT_DATABASE}`);
    await checkStored(db, TENANT, linesByType(files));
    const resources = files.reduce((sum, file) => sum + file.lines, 0);
    const e2e = { ...timing(resources, seconds), jobId: job.jobId, phases: await workflowPhases(temporal, job.jobId) };
    console.log(`e2e: ${e2e.seconds.toFixed(1)} s (${Math.round(e2e.resourcesPerSecond)}/s)`);
    return { e2e, workerPeakRssMb: { import: peak, startup }, restartSeconds: kills.restartSeconds };
  } finally {
    kills.finish();
    kills.done.catch(() => undefined); // the import failed first: that is the error to report
    await context.objects.deletePrefix(importPrefix(TENANT, job.jobId));
  }
}

/** The clean import's files imported again over its data: all unchanged, so no resource may get a second version. */
async function measureReimport(context: BenchServers, files: readonly UploadedFile[]): Promise<Timing> {
  console.log('the same $import again, over the data it wrote');
  const { e2e } = await measureImport(context, files, [], true);
  await checkSingleVersions(context.mongo.db(IMPORT_DATABASE), TENANT, linesByType(files).keys());
  return { seconds: e2e.seconds, resourcesPerSecond: e2e.resourcesPerSecond };
}

/**
 * `options.rounds` killed imports, each after a clean one (the first round's is the clean import already measured),
 * so every ratio compares two runs made minutes apart.
 */
async function measureResumedRounds(
  context: BenchServers,
  files: readonly UploadedFile[],
  firstCleanSeconds: number,
  { rounds, kills }: ImportBenchOptions,
): Promise<ResumedRun[]> {
  const runs: ResumedRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    if (rounds > 1) console.log(`round ${round} of ${rounds}`);
    const cleanSeconds = round === 1 ? firstCleanSeconds : (await measureImport(context, files)).e2e.seconds;
    runs.push(await measureResumedImport(context, files, cleanSeconds, kills));
  }
  return runs;
}

/**
 * The clean import again, with `kills` SIGKILLs spread evenly over the clean import's time (each mid-file, when
 * the files are large), and checked as strictly: every count right and no resource with a second version.
 */
async function measureResumedImport(
  context: BenchServers,
  files: readonly UploadedFile[],
  cleanSeconds: number,
  kills: number,
): Promise<ResumedRun> {
  const killAt = evenlyOver(cleanSeconds, kills);
  console.log(`the same $import, with the worker SIGKILLed at ${killAt.map((s) => `${s.toFixed(1)} s`).join(', ')}`);
  const { e2e, restartSeconds } = await measureImport(context, files, killAt);
  await checkSingleVersions(context.mongo.db(IMPORT_DATABASE), TENANT, linesByType(files).keys());
  return {
    kills,
    cleanSeconds,
    seconds: e2e.seconds,
    restartSeconds,
    ratio: e2e.seconds / cleanSeconds,
    phases: e2e.phases,
  };
}

runBenchmark(main);
