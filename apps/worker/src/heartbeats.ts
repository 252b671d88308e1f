import { Context } from '@temporalio/activity';

/**
 * Runs the current activity's `work` while heartbeating its checkpoint: at once, on every `beat(checkpoint)` that
 * `work` calls, and on a timer at a third of the heartbeat timeout. The timer is what keeps a slow stretch (a large
 * sort before the first document, an input that stops sending) from looking like a dead worker, whose activity
 * Temporal would hand to another. `onTimer` turns the latest checkpoint into what a timer beat sends (by default the
 * checkpoint itself).
 */
export async function withHeartbeats<C, R>(
  first: C,
  work: (beat: (checkpoint: C) => void) => Promise<R>,
  onTimer: (latest: C) => unknown = (latest) => latest,
): Promise<R> {
  const context = Context.current();
  let latest = first;
  const beat = (checkpoint: C) => {
    latest = checkpoint;
    context.heartbeat(checkpoint);
  };
  beat(first);
  const timer = setInterval(
    () => context.heartbeat(onTimer(latest)),
    Math.max(200, (context.info.heartbeatTimeoutMs ?? 30_000) / 3),
  );
  try {
    return await work(beat);
  } finally {
    clearInterval(timer);
  }
}
