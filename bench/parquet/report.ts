import type { MeasuredExport } from '../lib/export-client';
import type { BenchOptions } from '../lib/options';
import { hostInfo, printPhases, printTable, type Timing, timing } from '../lib/report';
import type { WorkflowPhases } from '../lib/workflow-phases';
import type { ViewCheck } from './verify';
import type { ViewExpectation } from './views';

/** The target: exporting as Parquet takes at most 1.5× as long as exporting the same resources as NDJSON. */
export const MAX_PARQUET_TIME_RATIO = 1.5;

/** One export of the dataset, kick-off to manifest as the client saw it. */
export interface FormatRun extends Timing {
  jobId: string;
  phases: WorkflowPhases;
  files: number;
  /** The output files' bytes, as S3 holds them. */
  outputBytes: number;
  workerPeakRssMb: MeasuredExport['workerPeakRssMb'];
}

export interface ParquetBenchResult {
  startedAt: string;
  host: ReturnType<typeof hostInfo>;
  options: BenchOptions;
  tenant: string;
  resources: number;
  /** Per type, as loaded. */
  byType: Record<string, number>;
  /** Null when the data of an earlier `--keep` run was reused. */
  loadSeconds: number | null;
  ndjson: FormatRun;
  parquet: FormatRun & { rows: number; rowsPerSecond: number; views: Array<ViewExpectation & ViewCheck> };
  verdict: { timeRatio: number; target: number; pass: boolean };
}

/** A measured export's figures; `outputBytes` is added by the caller, which still has the job's files. */
export function formatRun(
  resources: number,
  { job, manifest, seconds, workerPeakRssMb }: MeasuredExport,
  phases: WorkflowPhases,
  outputBytes: number,
): FormatRun {
  return {
    ...timing(resources, seconds),
    jobId: job.jobId,
    phases,
    files: manifest.output.length,
    outputBytes,
    workerPeakRssMb,
  };
}

export function parquetBenchResult(
  fields: Omit<ParquetBenchResult, 'host' | 'verdict' | 'parquet'> & {
    parquet: FormatRun & { views: Array<ViewExpectation & ViewCheck> };
  },
): ParquetBenchResult {
  const rows = fields.parquet.views.reduce((sum, view) => sum + view.rows, 0);
  const timeRatio = fields.parquet.seconds / fields.ndjson.seconds;
  return {
    ...fields,
    host: hostInfo(),
    parquet: { ...fields.parquet, rows, rowsPerSecond: rows / fields.parquet.seconds },
    verdict: { timeRatio, target: MAX_PARQUET_TIME_RATIO, pass: timeRatio <= MAX_PARQUET_TIME_RATIO },
  };
}

/** One format's figures as soon as they are measured: a later failure or Ctrl-C would lose them otherwise. */
export function printFormatRun(label: string, run: FormatRun): void {
  console.log(
    `${label}: ${run.seconds.toFixed(1)} s (${Math.round(run.resourcesPerSecond)} resources/s), ${run.files} files, ` +
      `${mb(run.outputBytes)} MB, worker peak ${run.workerPeakRssMb.export.toFixed(0)} MB`,
  );
  printPhases(label, run.phases);
}

export function printParquetReport(result: ParquetBenchResult): void {
  const { ndjson, parquet, verdict } = result;
  const types = Object.entries(result.byType).map(([type, count]) => `${type} ${count}`);
  console.log();
  console.log(`resources: ${result.resources} (${types.join(', ')}), tenant ${result.tenant}`);
  const load = result.loadSeconds === null ? 'reused' : `${result.loadSeconds.toFixed(1)} s`;
  console.log(`load (not part of the ratio): ${load}`);
  printTable(
    ['view', 'resource', 'rows', 'distinct ids', 'files'],
    parquet.views.map((view) => [view.name, view.resource, String(view.rows), String(view.ids), String(view.files)]),
  );
  console.log();
  const row = (format: string, run: FormatRun, rowsPerSecond: string) => [
    format,
    run.seconds.toFixed(1),
    Math.round(run.resourcesPerSecond).toString(),
    rowsPerSecond,
    String(run.files),
    mb(run.outputBytes),
    run.workerPeakRssMb.export.toFixed(0),
    run.workerPeakRssMb.startup.toFixed(0),
  ];
  printTable(
    ['format', 'export s', 'resources/s', 'rows/s', 'files', 'output MB', 'worker MB', 'start MB'],
    [row('ndjson', ndjson, '-'), row('parquet', parquet, Math.round(parquet.rowsPerSecond).toString())],
  );
  console.log('export s: kick-off to manifest as the client sees it; worker MB: peak RSS during the export');
  console.log(
    `time parquet/ndjson: ${parquet.seconds.toFixed(1)} / ${ndjson.seconds.toFixed(1)} s = ` +
      `${verdict.timeRatio.toFixed(2)} (target ≤ ${verdict.target}) ${verdict.pass ? 'PASS' : 'ABOVE'}`,
  );
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
