import type { ExportJobInput, ExportManifest, ExportProgress } from '@fhir-bulk/export';
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ExportActivities } from '../activities/export-activities';

// Same string as EXPORT_PROGRESS_QUERY; defined here so the sandbox imports no runtime code from packages.
export const progressQuery = defineQuery<ExportProgress>('progress');

const { exportType, finalizeExport } = proxyActivities<ExportActivities>({
  startToCloseTimeout: '2 hours',
  // A worker that dies stops heartbeating; after this long another worker retries its activity.
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: ['InvalidExportRequest'],
  },
});

/** One export job: every requested type in parallel, then the manifest, which is the workflow's result. */
export async function exportWorkflow(input: ExportJobInput): Promise<ExportManifest> {
  const progress: ExportProgress = { phase: 'exporting', typesDone: 0, typesTotal: input.types.length };
  setHandler(progressQuery, () => progress);

  const files = await Promise.all(
    input.types.map(async (type) => {
      const file = await exportType({ input, type });
      progress.typesDone++;
      return file;
    }),
  );
  progress.phase = 'finalizing';
  const manifest = await finalizeExport({ input, files });
  progress.phase = 'done';
  return manifest;
}
