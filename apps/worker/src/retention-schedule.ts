import { RETENTION_SCHEDULE_ID, RETENTION_WORKFLOW } from '@fhir-bulk/export';
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';

/**
 * Makes sure the schedule that purges expired exports exists (every worker asks at start; the first one creates
 * it). Temporal runs it, so retention needs no cron of our own and survives any process restart.
 */
export async function ensureRetentionSchedule(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.schedule.create({
      // One schedule per task queue: deployments (and test suites) sharing a namespace purge only their own jobs.
      scheduleId: `${RETENTION_SCHEDULE_ID}-${taskQueue}`,
      spec: { intervals: [{ every: '15 minutes' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: { type: 'startWorkflow', workflowType: RETENTION_WORKFLOW, taskQueue, args: [] },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
