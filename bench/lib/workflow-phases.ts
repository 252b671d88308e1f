import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';

/** The activities of one type within an export workflow, timed from the workflow's start. */
export interface ActivityPhase {
  activity: string;
  count: number;
  /** Attempts beyond the first, summed (a heartbeat timeout, a failure). */
  retries: number;
  /** When the first was scheduled and the last completed, in seconds after the workflow started. */
  fromSeconds: number;
  toSeconds: number;
}

export interface WorkflowPhases {
  /** Workflow start to close; the rest of the e2e time is the API, Temporal's hand-offs and status polling. */
  workflowSeconds: number;
  activities: ActivityPhase[];
}

/**
 * Where an export's time went, from its Temporal history: read by activity type rather than by name, so it
 * follows whatever activities the export workflow runs.
 */
export async function workflowPhases(client: Client, workflowId: string): Promise<WorkflowPhases> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const started = tsToMs(events[0]?.eventTime);
  const secondsOf = (event: temporal.api.history.v1.IHistoryEvent) => (tsToMs(event.eventTime) - started) / 1000;
  const typeOfScheduled = new Map<string, string>();
  const phases = new Map<string, ActivityPhase>();
  // Started and completed events name the activity only through the id of its scheduled event.
  const phaseOf = (scheduledEventId: unknown) => phases.get(typeOfScheduled.get(String(scheduledEventId)) ?? '');
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const activity = scheduled.activityType?.name ?? 'unknown';
      typeOfScheduled.set(String(event.eventId), activity);
      const phase = phases.get(activity) ?? {
        activity,
        count: 0,
        retries: 0,
        fromSeconds: secondsOf(event),
        toSeconds: 0,
      };
      phase.count++;
      phases.set(activity, phase);
    }
    // History keeps only the last attempt's start, with its attempt number.
    const attempt = event.activityTaskStartedEventAttributes;
    const retried = attempt && phaseOf(attempt.scheduledEventId);
    if (retried) retried.retries += (attempt.attempt ?? 1) - 1;
    const completed = event.activityTaskCompletedEventAttributes;
    const done = completed && phaseOf(completed.scheduledEventId);
    if (done) done.toSeconds = Math.max(done.toSeconds, secondsOf(event));
  }
  return { workflowSeconds: events.length > 0 ? secondsOf(events.at(-1)!) : 0, activities: [...phases.values()] };
}
