import { proxyActivities } from '@temporalio/workflow';
import type { ExportActivities } from '../export/activities';
import type { ImportActivities } from '../import/activities';
import type { AuditActivities } from '../audit/activities';

const { purgeExport, purgeExpiredExports, purgeExpiredImports, purgeExpiredAuditEvents } = proxyActivities<
  ExportActivities & ImportActivities & AuditActivities
>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** A client's DELETE of a completed export: its files go, and its status answers 404 from then on. */
export async function purgeExportWorkflow(args: { tenant: string; jobId: string }): Promise<void> {
  await purgeExport({ ...args, status: 'deleted' });
}

/**
 * Run by the retention schedule (retention-schedule.ts): deletes the outputs of every export, and the error files of
 * every import, past its retention period (JOB_RETENTION_HOURS), and the AuditEvents older than
 * AUDIT_RETENTION_DAYS. Returns how many jobs and AuditEvent documents it purged.
 */
export async function retentionWorkflow(): Promise<number> {
  return (await purgeExpiredExports()) + (await purgeExpiredImports()) + (await purgeExpiredAuditEvents());
}
