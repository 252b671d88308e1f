import { printTable } from '../lib/report';
import type { LatencySummary } from './latency';
import type { RestBenchOptions } from './options';

/** The issue's targets (issue 18): update p99 at most 50 ms, status polls of running jobs p99 at most 20 ms. */
export const TARGET_P99_MS: Readonly<Record<string, number>> = { update: 50, 'status poll': 20 };

/** One kind of request as measured: how many were in flight (or polling) and their latency. */
export interface OperationRun extends LatencySummary {
  operation: string;
  concurrency: number;
}

export interface Verdict {
  operation: string;
  concurrency: number;
  p99Ms: number;
  targetMs: number;
  pass: boolean;
}

export interface RestBenchResult {
  startedAt: string;
  host: { cpus: number; node: string };
  options: RestBenchOptions;
  /** Seconds to load the dataset, null when an earlier `--keep` run's was reused. */
  loadSeconds: number | null;
  /** The 1-minute load average as measuring began and ended (the machine is shared). */
  loadAverage: { before: number; after: number };
  runs: OperationRun[];
  verdicts: Verdict[];
}

/** Each run of an operation that has a target, against it. */
export const verdictsOf = (runs: readonly OperationRun[]): Verdict[] =>
  runs.flatMap(({ operation, concurrency, p99Ms }) => {
    const targetMs = TARGET_P99_MS[operation];
    return targetMs === undefined ? [] : [{ operation, concurrency, p99Ms, targetMs, pass: p99Ms <= targetMs }];
  });

/** Milliseconds as printed; `timeout` for a request fetch gave up on (request-loops.ts). */
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 10 ? 1 : 0) : 'timeout');

/** `update ×4: 1200 requests, p50 8.1 ms, p99 41 ms, max 96 ms`, printed as soon as it is measured. */
export function printRun(run: OperationRun): void {
  console.log(
    `${run.operation} ×${run.concurrency}: ${run.requests} requests, ` +
      `p50 ${ms(run.p50Ms)} ms, p99 ${ms(run.p99Ms)} ms, max ${ms(run.maxMs)} ms`,
  );
}

export function printReport(result: RestBenchResult): void {
  const { loadSeconds, loadAverage } = result;
  console.log();
  console.log(
    `${result.options.resources} resources (load ${loadSeconds === null ? 'reused' : `${loadSeconds.toFixed(1)} s`}), ` +
      `load average ${loadAverage.before.toFixed(2)} → ${loadAverage.after.toFixed(2)} on ${result.host.cpus} cores`,
  );
  const header = ['operation', 'in flight', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'target p99'];
  const rows = result.runs.map((run) => [
    run.operation,
    String(run.concurrency),
    String(run.requests),
    ms(run.p50Ms),
    ms(run.p99Ms),
    ms(run.maxMs),
    TARGET_P99_MS[run.operation] === undefined ? '-' : `≤ ${TARGET_P99_MS[run.operation]}`,
  ]);
  printTable(header, rows);
  console.log(
    'in flight: requests sent back to back by that many clients; status poll: pollers, one poll a second each',
  );
  for (const v of result.verdicts)
    console.log(
      `${v.operation} p99 with ${v.concurrency} in flight: ${ms(v.p99Ms)} ms (target ≤ ${v.targetMs} ms) ${v.pass ? 'PASS' : 'FAIL'}`,
    );
}
