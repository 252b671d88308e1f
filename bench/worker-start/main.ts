/**
 * `npm run bench:worker-start -- [--runs 3] [--idle 10]`
 *
 * How long a worker process takes from its start to polling both task queues (workflows and activities), and its
 * resident memory once idle, with the workflow bundle prebuilt (`npm run build:workflows`) and bundled at start
 * (the bundle missing): what a replacement worker spends before it takes over a dead one's work. Also how long it
 * takes to exit on SIGTERM while idle. Each run starts a fresh worker on the benchmark's task queue.
 */
import { pollsTaskQueue, startService, waitFor } from '@fhir-bulk/test-support/src/processes';
import { buildWorkflowBundle } from '@fhir-bulk/worker/src/workflow-bundle';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { connectBenchServers } from '../lib/bench-servers';
import { wholeNumber } from '../lib/options';
import { runBenchmark } from '../lib/run-benchmark';
import { peakRssMb } from '../lib/worker-memory';

interface Run {
  mode: string;
  startSeconds: number;
  startupPeakMb: number;
  idleRssMb: number;
  stopSeconds: number;
}

/** The process's resident memory now (VmRSS), in MiB. */
async function rssMb(pid: number): Promise<number> {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { runs: { type: 'string', default: '3' }, idle: { type: 'string', default: '10' } },
  });
  const runs = wholeNumber('runs', values.runs, 1);
  const idleSeconds = wholeNumber('idle', values.idle, 0);
  const servers = await connectBenchServers({ tenant: 'benchstart', database: 'benchstart', resources: 0 }, []);
  const dir = await mkdtemp(join(tmpdir(), 'fhir-bulk-worker-start-'));
  const modes = { prebuilt: await buildWorkflowBundle(join(dir, 'bundle.js')), 'bundled at start': join(dir, 'none') };
  const results: Run[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      for (const [mode, bundle] of Object.entries(modes)) {
        const started = performance.now();
        const env = {
          ...servers.env,
          WORKER_METRICS_PORT: '0',
          TEMPORAL_METRICS_PORT: '0',
          WORKER_WORKFLOW_BUNDLE: bundle,
        };
        const worker = startService('worker', env);
        const polling = () => pollsTaskQueue(servers.temporal, servers.taskQueue, worker, ['workflow', 'activity']);
        await Promise.race([waitFor(polling, 180_000, `a worker (${mode}) to poll`, 50), worker.crashed]);
        const startSeconds = (performance.now() - started) / 1000;
        const startupPeakMb = peakRssMb(worker.pid);
        await sleep(idleSeconds * 1000);
        const idleRssMb = await rssMb(worker.pid);
        const stopping = performance.now();
        await worker.kill('SIGTERM');
        const run = {
          mode,
          startSeconds,
          startupPeakMb,
          idleRssMb,
          stopSeconds: (performance.now() - stopping) / 1000,
        };
        console.log(
          `${mode}: polling after ${startSeconds.toFixed(2)} s (peak ${startupPeakMb.toFixed(0)} MB), ` +
            `${idleRssMb.toFixed(0)} MB idle after ${idleSeconds} s, exited ${run.stopSeconds.toFixed(2)} s after SIGTERM`,
        );
        results.push(run);
      }
    }
  } finally {
    await servers.close();
  }
  for (const mode of Object.keys(modes)) {
    const own = results.filter((r) => r.mode === mode);
    const median = (pick: (r: Run) => number) => own.map(pick).sort((a, b) => a - b)[Math.floor(own.length / 2)]!;
    console.log(
      `median of ${own.length}, ${mode}: start ${median((r) => r.startSeconds).toFixed(2)} s, start-up peak ` +
        `${median((r) => r.startupPeakMb).toFixed(0)} MB, idle RSS ${median((r) => r.idleRssMb).toFixed(0)} MB`,
    );
  }
}

runBenchmark(main);
