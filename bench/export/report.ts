import type { BenchOptions } from '../lib/options';
import { hostInfo, printPhases, printTable, type Timing } from '../lib/report';
import type { WorkflowPhases } from '../lib/workflow-phases';
import type { EncryptionCost } from './encryption-cost';

/** The issue's targets: e2e at least 0.8× the raw drain, worker peak RSS at N at most 1.2× that at N/10. */
export const TARGETS = { minThroughputRatio: 0.8, maxRssRatio: 1.2 };

export interface TenantRun {
  tenant: string;
  resources: number;
  /** Null when the data of an earlier `--keep` run was reused. */
  loadSeconds: number | null;
  raw: Timing;
  e2e: Timing & { jobId: string; phases: WorkflowPhases };
  /** e2e resources/s over raw resources/s. */
  ratio: number;
  /** Peak RSS of the worker while it ran the export (reset after start-up), and during its start-up. */
  workerPeakRssMb: { export: number; startup: number };
}

export interface BenchResult {
  startedAt: string;
  host: { cpus: number; node: string };
  options: BenchOptions;
  full: TenantRun;
  tenth: TenantRun;
  verdict: {
    throughputRatio: number;
    throughputPass: boolean;
    rssRatio: number;
    rssPass: boolean;
  };
  /** With `--encryption`: the export of N with OBJECT_ENCRYPTION=on against plain ones. */
  encryption?: EncryptionCost;
}

export function benchResult(
  startedAt: Date,
  options: BenchOptions,
  full: TenantRun,
  tenth: TenantRun,
  encryption?: EncryptionCost,
): BenchResult {
  const rssRatio = full.workerPeakRssMb.export / tenth.workerPeakRssMb.export;
  return {
    startedAt: startedAt.toISOString(),
    host: hostInfo(),
    options,
    full,
    tenth,
    verdict: {
      throughputRatio: full.ratio,
      throughputPass: full.ratio >= TARGETS.minThroughputRatio,
      rssRatio,
      rssPass: rssRatio <= TARGETS.maxRssRatio,
    },
    ...(encryption ? { encryption } : {}),
  };
}

export function printReport(result: BenchResult): void {
  const header = [
    'tenant',
    'resources',
    'raw s',
    'raw res/s',
    'e2e s',
    'e2e res/s',
    'e2e/raw',
    'worker MB',
    'start MB',
  ];
  const rows = [result.tenth, result.full].map((run) => [
    run.tenant,
    String(run.resources),
    run.raw.seconds.toFixed(1),
    Math.round(run.raw.resourcesPerSecond).toString(),
    run.e2e.seconds.toFixed(1),
    Math.round(run.e2e.resourcesPerSecond).toString(),
    run.ratio.toFixed(2),
    run.workerPeakRssMb.export.toFixed(0),
    run.workerPeakRssMb.startup.toFixed(0),
  ]);
  const { verdict } = result;
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  console.log();
  const loads = [result.tenth, result.full].map(
    (run) => `${run.tenant} ${run.loadSeconds === null ? 'reused' : `${run.loadSeconds.toFixed(1)} s`}`,
  );
  console.log(`load (not part of the ratio): ${loads.join(', ')}`);
  printTable(header, rows);
  console.log('worker MB: peak RSS during the export; start MB: peak RSS of its start-up (workflow bundling)');
  console.log(
    `throughput e2e/raw at N: ${verdict.throughputRatio.toFixed(2)} (target ≥ ${TARGETS.minThroughputRatio}) ${pass(verdict.throughputPass)}`,
  );
  console.log(
    `worker peak RSS N vs N/10: ${result.full.workerPeakRssMb.export.toFixed(0)} / ${result.tenth.workerPeakRssMb.export.toFixed(0)} MB` +
      ` = ${verdict.rssRatio.toFixed(2)} (target ≤ ${TARGETS.maxRssRatio}) ${pass(verdict.rssPass)}`,
  );
}

/**
 * One tenant's figures as soon as they are measured (a later failure or Ctrl-C would lose them otherwise), with
 * where the workflow spent its time: `workflow 22.0 s: planExport ×1 0.1–9.0 s, exportPartition ×4 9.1–22.3 s`.
 */
export function printRun({ tenant, raw, e2e, ratio, workerPeakRssMb }: TenantRun): void {
  const rate = (t: Timing) => `${t.seconds.toFixed(1)} s (${Math.round(t.resourcesPerSecond)}/s)`;
  console.log(
    `${tenant}: raw ${rate(raw)}, e2e ${rate(e2e)}, e2e/raw ${ratio.toFixed(2)}, ` +
      `worker peak ${workerPeakRssMb.export.toFixed(0)} MB`,
  );
  printPhases(tenant, e2e.phases);
}
