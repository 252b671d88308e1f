import { type BulkStack, startBulkStack, waitFor } from '@fhir-bulk/test-support';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import {
  ensureRetentionSchedule,
  OLD_RETENTION_WORKFLOW,
  RETENTION_SCHEDULE_ID,
  RETENTION_WORKFLOW,
} from '../src/retention-schedule';

/**
 * The retention workflow was renamed (exportRetentionWorkflow → retentionWorkflow) while deployments already run a
 * schedule that names the old type, and histories that started under it: both must keep working after an upgrade.
 */
let stack: BulkStack;
beforeAll(async () => {
  stack = await startBulkStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('the retention schedule after the workflow’s rename', () => {
  it('is moved to the new workflow at start, keeps its other settings, and its next run purges', async () => {
    const taskQueue = stack.config.TEMPORAL_TASK_QUEUE;
    // As a worker before the rename left it, with an interval an operator changed.
    const handle = await stack.client.schedule.create({
      scheduleId: `${RETENTION_SCHEDULE_ID}-${taskQueue}`,
      spec: { intervals: [{ every: '1 hour' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: { type: 'startWorkflow', workflowType: OLD_RETENTION_WORKFLOW, taskQueue, args: [] },
    });
    try {
      await ensureRetentionSchedule(stack.client, taskQueue);

      const schedule = await handle.describe();
      expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: RETENTION_WORKFLOW, taskQueue });
      expect(schedule.spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);

      await handle.trigger();
      await waitFor(async () => (await handle.describe()).info.recentActions.length > 0, 30_000, 'a scheduled run');
      const [run] = (await handle.describe()).info.recentActions;
      const workflow = stack.client.workflow.getHandle(run!.action.workflow.workflowId);
      expect(typeof (await workflow.result())).toBe('number');
      expect((await workflow.describe()).type).toBe(RETENTION_WORKFLOW);
    } finally {
      await handle.delete();
    }
  });

  it('still runs a retention workflow started under the old name', async () => {
    const purged = await stack.client.workflow.execute(OLD_RETENTION_WORKFLOW, {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      workflowId: `old-retention-${stack.config.TEMPORAL_TASK_QUEUE}`,
      args: [],
    });
    expect(typeof purged).toBe('number');
  });
});
