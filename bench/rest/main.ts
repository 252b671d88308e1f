/**
 * `npm run bench:rest -- [--resources 100000] [--seconds 30] [--writers 4] [--pollers 100] [--jobs 3] [--keep]
 * [--skip-load]`
 *
 * Latency of the FHIR REST requests and status polls on a large tenant (issue 18: 1,000,000 resources, update p99
 * ≤ 50 ms, status polls of running jobs p99 ≤ 20 ms): loads N resources (the export benchmark's four types) into
 * tenant `benchrest`, in a database of its own, starts an API with authorization on and measures, each for
 * `--seconds` after a warm-up, with a registered client's tokens: reads by id, updates with If-Match (one writer,
 * then `--writers`), two search pages, and, with a worker running `--jobs` exports of the tenant, `--pollers`
 * clients polling their status once a second. Prints p50/p99/max per operation and the verdicts against the
 * targets, and writes the result to bench/results/. It fails only when a request fails.
 */
import { loadavg } from 'node:os';
import { apiBaseUrl, type BenchServers, connectBenchServers } from '../lib/bench-servers';
import { type Dataset, prepareDataset } from '../lib/dataset';
import { hostInfo, writeResult } from '../lib/report';
import { runBenchmark } from '../lib/run-benchmark';
import { type Send, startApi } from '../lib/services';
import { summarize } from './latency';
import { readById, type RestOperation, type RestTarget, SEARCHES, updateWithIfMatch } from './operations';
import { parseRestOptions, type RestBenchOptions } from './options';
import { type OperationRun, printReport, printRun, type RestBenchResult, verdictsOf } from './report';
import { runLoops } from './request-loops';
import { measureStatusPolls } from './status-polls';

const WARMUP_SECONDS = 5;

async function main(): Promise<void> {
  const startedAt = new Date();
  const options = parseRestOptions(process.argv.slice(2));
  // Its own tenant and database: other benchmarks' data is neither read nor scanned (FerretDB scans whole
  // collections), and dropping it disturbs nobody.
  const dataset: Dataset = { tenant: 'benchrest', database: 'benchrest', resources: options.resources };
  const servers = await connectBenchServers(dataset, ['export']);
  const references: string[] = [];
  try {
    const loadSeconds = await prepareDataset(servers.mongo.db(dataset.database), dataset, options.skipLoad, {
      onResource: (resource) => references.push(`${resource.resourceType}/${resource.id}`),
    });
    // Every poll does the whole status lookup (status-polls.ts).
    const env = { ...servers.env, JOB_STATUS_MIN_INTERVAL_SECONDS: '0' };
    const { api, send } = await startApi(env, apiBaseUrl(servers.apiPort));
    const tenantBaseUrl = `${apiBaseUrl(servers.apiPort)}/tenant/${dataset.tenant}`;
    const before = loadavg()[0]!;
    try {
      const measured = measureAll(servers, env, tenantBaseUrl, send, references, options);
      const runs = await Promise.race([measured, api.crashed]);
      const result: RestBenchResult = {
        startedAt: startedAt.toISOString(),
        host: hostInfo(),
        options,
        loadSeconds,
        loadAverage: { before, after: loadavg()[0]! },
        runs,
        verdicts: verdictsOf(runs),
      };
      printReport(result);
      console.log(`result written to ${writeResult('rest', result)}`);
    } finally {
      await api.stop();
    }
  } finally {
    if (!options.keep) await servers.mongo.db(dataset.database).dropDatabase();
    await servers.close();
  }
}

async function measureAll(
  servers: BenchServers,
  env: NodeJS.ProcessEnv,
  tenantBaseUrl: string,
  send: Send,
  references: readonly string[],
  options: RestBenchOptions,
): Promise<OperationRun[]> {
  const patients = references.filter((r) => r.startsWith('Patient/')).map((r) => r.slice('Patient/'.length));
  const target: RestTarget = { baseUrl: tenantBaseUrl, send, references, patients };
  const operations = [
    readById(target),
    updateWithIfMatch(target, 1),
    updateWithIfMatch(target, options.writers),
    ...SEARCHES(target),
  ];
  const runs: OperationRun[] = [];
  for (const operation of operations) runs.push(await measure(operation, options.seconds));
  console.log(`status polls: ${options.jobs} exports running, ${options.pollers} pollers`);
  const polls = await measureStatusPolls(servers, env, tenantBaseUrl, send, {
    ...options,
    warmupSeconds: WARMUP_SECONDS,
  });
  if (polls.length === 0) throw new Error('every export ended before its status was measured: raise --resources');
  runs.push(record({ operation: 'status poll', concurrency: options.pollers, ...summarize(polls) }));
  return runs;
}

/** Warms `operation` up (untimed), then measures it for `seconds`. */
async function measure(operation: RestOperation, seconds: number): Promise<OperationRun> {
  const loops = { concurrency: operation.concurrency, seconds: WARMUP_SECONDS };
  await runLoops((loop) => operation.request(loop), loops);
  const samples = await runLoops((loop) => operation.request(loop), { ...loops, seconds });
  return record({ operation: operation.name, concurrency: operation.concurrency, ...summarize(samples) });
}

function record(run: OperationRun): OperationRun {
  printRun(run);
  return run;
}

runBenchmark(main);
