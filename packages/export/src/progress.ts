import type { ExportProgress } from './export-job';

/** `X-Progress` for a running export, e.g. `Exporting Observation 45%`; never claims 100% before the manifest. */
export function progressText(progress: ExportProgress | undefined): string {
  if (!progress) return 'In progress';
  switch (progress.phase) {
    case 'planning':
      return 'Planning';
    case 'finalizing':
    case 'done':
      return 'Writing manifest 99%';
    case 'exporting': {
      const what = `Exporting${progress.current ? ` ${progress.current}` : ''}`;
      // Without a count (FerretDB cannot count cheaply) say how far it got rather than invent a percentage.
      if (progress.total === 0) return `${what}: ${progress.done} resources written`;
      return `${what} ${Math.min(99, Math.floor((progress.done / progress.total) * 100))}%`;
    }
  }
}
