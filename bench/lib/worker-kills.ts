import type { ServiceProcess } from '@fhir-bulk/test-support/src/processes';

/** Worker crashes during one job, as a benchmark stages them. */
export interface WorkerKills {
  /** The worker running now: the first, or the latest replacement. */
  readonly worker: ServiceProcess;
  /** Rejects when a replacement crashes on its own (the first worker's `crashed` covers it). */
  readonly crashed: Promise<never>;
  /** Settles once every kill is done; rejects if the job finished before one of them (`finish`). */
  readonly done: Promise<void>;
  /** Seconds from each kill to its replacement polling, summed. */
  readonly restartSeconds: number;
  /** The job is over: a kill still to come fails `done` instead of killing anything. */
  finish(): void;
}

/**
 * SIGKILLs the worker at each of `killAt` (seconds after `started`, a performance.now()) and starts a fresh one at
 * once with `start`, as a crashed replica's replacement would come up. `job` names the job in log lines.
 */
export function killWorkersAt(
  first: ServiceProcess,
  start: () => Promise<ServiceProcess>,
  { started, killAt, job }: { started: number; killAt: readonly number[]; job: string },
): WorkerKills {
  let worker = first;
  let finished = false;
  let restartSeconds = 0;
  let replacementCrashed: (error: unknown) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => (replacementCrashed = reject));
  const done = (async () => {
    for (const [n, at] of killAt.entries()) {
      await sleep(started + at * 1000 - performance.now());
      if (finished) throw new Error(`the ${job} finished before kill ${n + 1}; use more --resources`);
      void worker.kill();
      const killed = performance.now();
      console.log(`${job}: worker SIGKILLed at ${at.toFixed(1)} s; starting another`);
      worker = await start();
      worker.crashed.catch(replacementCrashed);
      restartSeconds += (performance.now() - killed) / 1000;
    }
  })();
  return {
    get worker() {
      return worker;
    },
    crashed,
    done,
    get restartSeconds() {
      return restartSeconds;
    },
    finish: () => {
      finished = true;
    },
  };
}

/** `count` moments spread evenly over `seconds` (a clean run's time), so each kill lands mid-job. */
export const evenlyOver = (seconds: number, count: number) =>
  Array.from({ length: count }, (_, i) => (seconds * (i + 1)) / (count + 1));

const sleep = (ms: number) => new Promise((done) => setTimeout(done, Math.max(0, ms)));
