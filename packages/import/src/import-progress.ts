import type { ImportProgress } from './import-job';

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

/** `X-Progress` for a running import: files, bytes and resources done, e.g. `Importing 1 of 3 files, 45.0 of 120.0 MB, …`. */
export function importProgressText(progress: ImportProgress | undefined): string {
  if (!progress) return 'In progress';
  switch (progress.phase) {
    case 'planning':
      return 'Planning';
    case 'finalizing':
    case 'done':
      return `Finishing: ${progress.resources} resources imported, ${progress.errors} errors`;
    case 'importing': {
      const percent =
        progress.totalBytes > 0 ? Math.min(99, Math.floor((progress.bytesDone / progress.totalBytes) * 100)) : 0;
      const stalled = progress.stalledSeconds ? `; a file has made no progress for ${progress.stalledSeconds} s` : '';
      return (
        `Importing ${percent}%: ${progress.filesDone} of ${progress.files} files, ` +
        `${mb(progress.bytesDone)} of ${mb(progress.totalBytes)} MB, ${progress.resources} resources, ${progress.errors} errors` +
        stalled
      );
    }
  }
}
