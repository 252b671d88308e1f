import { cpus } from 'node:os';
import { phaseText, type Timing } from '../lib/report';
import type { WorkflowPhases } from '../lib/workflow-phases';
import type { ImportBenchOptions } from './options';

/**
 * The issues' targets: the import as a client sees it at least 0.7× the driver's bare inserts; an import whose
 * worker is killed mid-file (and replaced at once) at most 1.3× the clean import's time.
 */
export const IMPORT_TARGET = { minThroughputRatio: 0.7, maxResumedRatio: 1.3 };

/** The same import with the worker SIGKILLed mid-file `kills` times, each time replaced by a fresh worker. */
export interface ResumedRun {
  kills: number;
  /** The clean import run just before this one, which it is compared with. */
  cleanSeconds: number;
  /** Kick-off to result, as for the clean import. */
  seconds: number;
  /** Kill to the new worker polling, summed: start-up of a worker process, not the import's own cost. */
  restartSeconds: number;
  /** seconds over the clean import's seconds. */
  ratio: number;
  /** The activity attempts the workflow history shows (more than one per file: resumed from a checkpoint). */
  phases: WorkflowPhases;
}

export interface ImportBenchResult {
  startedAt: string;
  host: { cpus: number; node: string };
  options: ImportBenchOptions;
  /** The import's settings (IMPORT_*), which the baseline copies where it can. */
  settings: { batchSize: number; maxConcurrentFiles: number; consumerCount: number; baselineWriters: number };
  dataset: {
    resources: number;
    byType: Record<string, number>;
    files: Array<{ type: string; url: string; lines: number; bytes: number }>;
    /** Generating the NDJSON locally and uploading it to S3: not part of either timing. */
    generateSeconds: number;
    uploadSeconds: number;
  };
  /** insertMany time only; `prepareSeconds` (reading, validating, building documents) is outside it. */
  raw: Timing & { prepareSeconds: number };
  /** Kick-off to the 200 carrying the result, as a client sees it. */
  e2e: Timing & { jobId: string; phases: WorkflowPhases };
  /** e2e resources/s over raw resources/s. */
  ratio: number;
  /** `--reimport`: the same $import again over the data the clean one wrote (every resource unchanged). */
  reimport?: Timing;
  /** Peak RSS of the worker while it ran the import (reset after start-up), and during its start-up. */
  workerPeakRssMb: { import: number; startup: number };
  /** One killed import per round; the verdict takes the median of their ratios. */
  resumed?: { rounds: ResumedRun[]; medianRatio: number };
  verdict: { throughputPass: boolean; resumedPass?: boolean };
}

type Measured = Omit<ImportBenchResult, 'host' | 'ratio' | 'verdict' | 'resumed'> & { resumed: ResumedRun[] };

/** The result from its measurements; the ratios and verdict are derived here. */
export function importBenchResult({ resumed: rounds, ...measured }: Measured): ImportBenchResult {
  const ratio = measured.e2e.resourcesPerSecond / measured.raw.resourcesPerSecond;
  const resumed = rounds.length > 0 ? { rounds, medianRatio: median(rounds.map((run) => run.ratio)) } : undefined;
  return {
    ...measured,
    host: { cpus: cpus().length, node: process.version },
    ratio,
    ...(resumed ? { resumed } : {}),
    verdict: {
      throughputPass: ratio >= IMPORT_TARGET.minThroughputRatio,
      ...(resumed ? { resumedPass: resumed.medianRatio <= IMPORT_TARGET.maxResumedRatio } : {}),
    },
  };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function printImportReport(result: ImportBenchResult): void {
  const { dataset, raw, e2e } = result;
  const rate = (t: Timing) => `${t.seconds.toFixed(1)} s, ${Math.round(t.resourcesPerSecond)} resources/s`;
  const types = Object.entries(dataset.byType).map(([type, count]) => `${type} ${count}`);
  const pass = result.verdict.throughputPass ? 'PASS' : 'FAIL';
  console.log();
  console.log(`dataset: ${dataset.resources} resources in ${dataset.files.length} files (${types.join(', ')})`);
  console.log(
    `prepare (not timed): generate ${dataset.generateSeconds.toFixed(1)} s, upload ${dataset.uploadSeconds.toFixed(1)} s, ` +
      `baseline parse ${raw.prepareSeconds.toFixed(1)} s`,
  );
  console.log(`raw insertMany (${result.settings.baselineWriters} writers): ${rate(raw)}`);
  console.log(`$import e2e: ${rate(e2e)}`);
  console.log(`workflow ${e2e.phases.workflowSeconds.toFixed(1)} s: ${phaseText(e2e.phases)}`);
  if (result.reimport)
    console.log(`$import again, all unchanged: ${rate(result.reimport)} (first import ${rate(e2e)})`);
  console.log(`throughput e2e/raw: ${result.ratio.toFixed(2)} (target ≥ ${IMPORT_TARGET.minThroughputRatio}) ${pass}`);
  console.log(
    `worker peak RSS: ${result.workerPeakRssMb.import.toFixed(0)} MB during the import ` +
      `(start-up ${result.workerPeakRssMb.startup.toFixed(0)} MB)`,
  );
  const { resumed } = result;
  if (resumed) {
    for (const [n, run] of resumed.rounds.entries()) {
      console.log(
        `round ${n + 1}: clean ${run.cleanSeconds.toFixed(1)} s; with ${run.kills} worker SIGKILLs ` +
          `${run.seconds.toFixed(1)} s (of which ${run.restartSeconds.toFixed(1)} s starting replacement workers), ` +
          `ratio ${run.ratio.toFixed(2)}; workflow: ${phaseText(run.phases)}`,
      );
    }
    const verdict = result.verdict.resumedPass ? 'PASS' : 'FAIL';
    const ratios = resumed.rounds.map((run) => run.ratio.toFixed(2)).join(', ');
    console.log(
      `resumed/clean time, median of ${resumed.rounds.length} (${ratios}): ${resumed.medianRatio.toFixed(2)} ` +
        `(target ≤ ${IMPORT_TARGET.maxResumedRatio}) ${verdict}`,
    );
  }
}
