import type { ExportProgress } from './export-job';
import type { PartitionCheckpoint } from './partition';

/** Resources written in all, over every type. */
const writtenInAll = (progress: ExportProgress) =>
  Object.values(progress.byType).reduce((sum, count) => sum + count, 0);

/**
 * The workflow's progress (completed partitions) with what its running partitions have written, from their last
 * heartbeats. A partition resumed after a crash rewrites its unfinished file, so this can drop for a while: the
 * status route keeps the highest counts it has answered (JobRecords.progressAtLeast) so that a client never sees that.
 */
export function runningProgress(
  progress: ExportProgress,
  /** Undefined where a partition has not heartbeated a checkpoint yet. */
  running: ReadonlyArray<PartitionCheckpoint | undefined>,
): ExportProgress {
  const byType = { ...progress.byType };
  for (const checkpoint of running) {
    if (checkpoint?.type === undefined || checkpoint.kind !== 'output') continue;
    byType[checkpoint.type] = (byType[checkpoint.type] ?? 0) + checkpoint.written;
  }
  return { ...progress, byType };
}

/**
 * `X-Progress` for a running export, e.g. `Exporting 45%: 5400 of 12000 resources (Patient 1000, Observation 4400)`;
 * never claims 100% before the manifest.
 */
export function progressText(progress: ExportProgress | undefined): string {
  if (!progress) return 'In progress';
  switch (progress.phase) {
    case 'planning':
      return 'Planning';
    case 'finalizing':
    case 'done':
      return 'Writing manifest 99%';
    case 'exporting': {
      const done = writtenInAll(progress);
      const types = Object.entries(progress.byType).map(([type, count]) => `${type} ${count}`);
      const detail = types.length > 0 ? ` (${types.join(', ')})` : '';
      // Without a count (FerretDB cannot count cheaply) say how far it got rather than invent a percentage.
      if (progress.total === 0) return `Exporting: ${done} resources written${detail}`;
      const percent = Math.min(99, Math.floor((done / progress.total) * 100));
      return `Exporting ${percent}%: ${done} of ${progress.total} resources${detail}`;
    }
  }
}
