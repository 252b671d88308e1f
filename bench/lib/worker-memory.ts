import { readFileSync, writeFileSync } from 'node:fs';

/** A process's peak resident set size (VmHWM) in MiB, as the kernel tracks it: no sampling gaps. */
export function peakRssMb(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/**
 * Resets the peak to the current RSS (Linux ≥ 4.0), so the next reading covers only what follows: the worker's
 * start-up (bundling the workflow code) would otherwise set a peak the export never reaches.
 */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
