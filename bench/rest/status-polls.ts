import { jobPrefix } from '@fhir-bulk/export';
import type { ServiceProcess } from '@fhir-bulk/test-support/src/processes';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchServers } from '../lib/bench-servers';
import { BENCH_TYPES } from '../lib/dataset';
import { type ExportJob, kickOff, POLL_INTERVAL_MS } from '../lib/export-client';
import { type Send, startWorker } from '../lib/services';
import { type LoopOptions, runLoops, timed } from './request-loops';

/** How long a cancelled export may take to close before it is terminated, so no later benchmark's worker runs it. */
const CLOSE_TIMEOUT_MS = 60_000;

export interface StatusPollOptions {
  /** Exports started and polled at once; each is the whole dataset, so they run for minutes. */
  jobs: number;
  pollers: number;
  seconds: number;
  warmupSeconds: number;
}

/**
 * Status polls of running exports: a worker is started, `jobs` exports of every type kicked off, and `pollers`
 * clients poll them (poller i polls job i mod jobs) once a second each, as Retry-After asks, for `seconds` after a
 * warm-up. Only 202 answers (the job still running) count; a job that ends drops out, and polling stops once all
 * have. The API must run with JOB_STATUS_MIN_INTERVAL_SECONDS=0: with its throttle, all but one poll per job and
 * second would be a 429 that costs nothing. The exports are then cancelled and their files deleted.
 */
export async function measureStatusPolls(
  servers: BenchServers,
  env: NodeJS.ProcessEnv,
  tenantBaseUrl: string,
  send: Send,
  options: StatusPollOptions,
): Promise<number[]> {
  const worker = await startWorker(env, servers.temporal, servers.taskQueue);
  const jobs: ExportJob[] = [];
  try {
    for (let i = 0; i < options.jobs; i++) jobs.push(await kickOff(tenantBaseUrl, BENCH_TYPES, send));
    const ended = new Set<string>();
    const poll = async (loop: number) => {
      const job = jobs[loop % jobs.length]!;
      if (ended.has(job.jobId)) return undefined;
      const answer = await timed(`status of ${job.jobId}`, () => send(job.statusUrl));
      if (answer.response.status === 202) return answer.ms;
      if (answer.response.status !== 200)
        throw new Error(`status of ${job.jobId} answered ${answer.response.status}: ${answer.body.slice(0, 300)}`);
      ended.add(job.jobId);
      return undefined;
    };
    const loops: LoopOptions = {
      concurrency: options.pollers,
      seconds: options.warmupSeconds,
      intervalMs: POLL_INTERVAL_MS,
      done: () => ended.size === jobs.length,
    };
    await Promise.race([runLoops(poll, loops), worker.crashed]);
    const samples = await Promise.race([runLoops(poll, { ...loops, seconds: options.seconds }), worker.crashed]);
    if (ended.size > 0) console.log(`status polls: ${ended.size} of ${jobs.length} exports ended while polled`);
    return samples;
  } finally {
    await cancelExports(servers, tenantBaseUrl, send, jobs, worker);
    await worker.stop();
  }
}

/** Cancels the exports (DELETE), waits for their workflows to close (terminating the stragglers), deletes files. */
async function cancelExports(
  servers: BenchServers,
  tenantBaseUrl: string,
  send: Send,
  jobs: readonly ExportJob[],
  worker: ServiceProcess,
): Promise<void> {
  const tenant = tenantBaseUrl.slice(tenantBaseUrl.lastIndexOf('/') + 1);
  for (const job of jobs) {
    await send(job.statusUrl, { method: 'DELETE' }).then((response) => response.body?.cancel());
    const handle = servers.temporal.workflow.getHandle(job.jobId);
    const deadline = performance.now() + CLOSE_TIMEOUT_MS;
    while (worker.alive && (await handle.describe()).status.name === 'RUNNING' && performance.now() < deadline)
      await sleep(500);
    if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('benchmark over');
    await servers.objects.deletePrefix(jobPrefix(tenant, job.jobId));
  }
}
