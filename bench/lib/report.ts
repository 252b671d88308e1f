import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { WorkflowPhases } from './workflow-phases';

export interface Timing {
  seconds: number;
  resourcesPerSecond: number;
}

export const timing = (resources: number, seconds: number): Timing => ({
  seconds,
  resourcesPerSecond: resources / seconds,
});

/** Writes a benchmark's result to bench/results/<kind>-<timestamp>.json (gitignored); returns the path. */
export function writeResult(kind: 'export' | 'import' | 'parquet' | 'rest', result: { startedAt: string }): string {
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${kind}-${result.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
  return path;
}

/** `bench: workflow 22.0 s: planExport ×1 0.1–9.0 s, exportPartition ×4 9.1–22.3 s` */
export function printPhases(label: string, phases: WorkflowPhases): void {
  console.log(`${label}: workflow ${phases.workflowSeconds.toFixed(1)} s: ${phaseText(phases)}`);
}

/** `planExport ×1 0.1–9.0 s, exportPartition ×4 (1 retries) 9.1–22.3 s` */
export const phaseText = (phases: WorkflowPhases) =>
  phases.activities
    .map(
      (a) =>
        `${a.activity} ×${a.count}${a.retries > 0 ? ` (${a.retries} retries)` : ''} ` +
        `${a.fromSeconds.toFixed(1)}–${a.toSeconds.toFixed(1)} s`,
    )
    .join(', ');

/** A table under its header: the first column left-aligned (names), the others right-aligned (numbers). */
export function printTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

/** The machine a result was measured on. */
export const hostInfo = () => ({ cpus: cpus().length, node: process.version });
