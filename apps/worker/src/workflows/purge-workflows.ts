import { proxyActivities } from '@temporalio/workflow';
import type { ExportActivities } from '../export/activities';

const { purgeExport, purgeExpiredExports } = proxyActivities<ExportActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** A client's DELETE of a completed export: its files go, and its status answers 404 from then on. */
export async function purgeExportWorkflow(args: { tenant: string; jobId: string }): Promise<void> {
  await purgeExport({ ...args, status: 'deleted' });
}

/** Run by the `export-retention` schedule: deletes the outputs of every export past its retention period. */
export async function exportRetentionWorkflow(): Promise<number> {
  return purgeExpiredExports();
}
