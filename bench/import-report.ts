import { cpus } from 'node:os';
import type { ImportBenchOptions } from './import-options';
import type { Timing } from './report';
import type { WorkflowPhases } from './workflow-phases';

/** The issue's target: the import as a client sees it at least 0.7× the driver's bare inserts. */
export const IMPORT_TARGET = { minThroughputRatio: 0.7 };

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
  /** Peak RSS of the worker while it ran the import (reset after start-up), and during its start-up. */
  workerPeakRssMb: { import: number; startup: number };
  verdict: { throughputPass: boolean };
}

/** The result from its measurements; the ratio and verdict are derived here. */
export function importBenchResult(measured: Omit<ImportBenchResult, 'host' | 'ratio' | 'verdict'>): ImportBenchResult {
  const ratio = measured.e2e.resourcesPerSecond / measured.raw.resourcesPerSecond;
  return {
    ...measured,
    host: { cpus: cpus().length, node: process.version },
    ratio,
    verdict: { throughputPass: ratio >= IMPORT_TARGET.minThroughputRatio },
  };
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
  const activities = e2e.phases.activities.map(
    (a) =>
      `${a.activity} ×${a.count}${a.retries > 0 ? ` (${a.retries} retries)` : ''} ` +
      `${a.fromSeconds.toFixed(1)}–${a.toSeconds.toFixed(1)} s`,
  );
  console.log(`workflow ${e2e.phases.workflowSeconds.toFixed(1)} s: ${activities.join(', ')}`);
  console.log(`throughput e2e/raw: ${result.ratio.toFixed(2)} (target ≥ ${IMPORT_TARGET.minThroughputRatio}) ${pass}`);
  console.log(
    `worker peak RSS: ${result.workerPeakRssMb.import.toFixed(0)} MB during the import ` +
      `(start-up ${result.workerPeakRssMb.startup.toFixed(0)} MB)`,
  );
}
