import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';

/**
 * Options for a long activity that heartbeats its checkpoint (an export partition, an import file). A worker that
 * dies stops heartbeating; after `heartbeatTimeoutSeconds` another worker resumes from the checkpoint. Cleanup
 * after a cancel must not delete files a still-running attempt is writing, so cancellation waits until activities
 * have stopped. Failures of type `nonRetryable` end the job at once.
 */
export const resumableActivity = (heartbeatTimeoutSeconds: number, nonRetryable: string): ActivityOptions => ({
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: `${heartbeatTimeoutSeconds} seconds`,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    // A dead worker's activity is retried at once (that is most retries here); real failures still back off to 30 s.
    initialInterval: '200 milliseconds',
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
    nonRetryableErrorTypes: [nonRetryable],
  },
});
