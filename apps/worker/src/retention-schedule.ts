import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';

/**
 * Run by the retention schedule: deletes the outputs of exports and the error files of imports past their
 * retention, and expired AuditEvents (apps/worker/src/workflows/purge-workflows.ts).
 */
export const RETENTION_WORKFLOW = 'retentionWorkflow';
/**
 * The retention workflow's name until issue 13. Schedules created by older workers start it under this name, and
 * runs they started may still be in flight, so workers register it too (workflows/index.ts) and move the schedule to
 * RETENTION_WORKFLOW at start. Deprecated: remove one release after the rename.
 */
export const OLD_RETENTION_WORKFLOW = 'exportRetentionWorkflow';
/**
 * The schedule's id, before `-{task queue}`. It keeps its first name although it purges imports too: deployments
 * already run a schedule under it, and a second id would leave that one running beside the new.
 */
export const RETENTION_SCHEDULE_ID = 'export-retention';

/**
 * Makes sure the schedule that purges expired jobs exists and starts RETENTION_WORKFLOW (every worker asks at start;
 * the first one creates it, the first one after an upgrade updates it). Temporal runs it, so retention needs no cron
 * of our own and survives any process restart.
 */
export async function ensureRetentionSchedule(client: Client, taskQueue: string): Promise<void> {
  // One schedule per task queue: deployments (and test suites) sharing a namespace purge only their own jobs.
  const scheduleId = `${RETENTION_SCHEDULE_ID}-${taskQueue}`;
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '15 minutes' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: { type: 'startWorkflow', workflowType: RETENTION_WORKFLOW, taskQueue, args: [] },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await renameScheduledWorkflow(client, scheduleId);
  }
}

/** Points a schedule created by an older worker at RETENTION_WORKFLOW; everything else an operator set stays. */
async function renameScheduledWorkflow(client: Client, scheduleId: string): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId);
  const { action } = await handle.describe();
  if (action.type !== 'startWorkflow' || action.workflowType === RETENTION_WORKFLOW) return;
  await handle.update((previous) => ({ ...previous, action: { ...action, workflowType: RETENTION_WORKFLOW } }));
}
