import { LRUCache } from 'lru-cache';

/**
 * Remembers when each job was last polled, to answer 429 to clients polling faster than Retry-After asks.
 * Per API process: behind a load balancer a client may get through more often, which is harmless (polls are
 * cheap reads); the point is to push misbehaving clients back, not to meter exactly.
 */
export class PollThrottle {
  /**
   * Each admitted poll, kept for the interval; at most `capacity`, the least recently admitted going first, so a
   * flood of job ids cannot grow memory. None for an interval of 0 (no throttle): lru-cache reads a ttl of 0 as
   * "never expires".
   */
  private readonly admitted: LRUCache<string, true> | undefined;

  /** `now` in milliseconds (performance.now by default); the cache takes a start of 0 for "no start": avoid it. */
  constructor(minIntervalMs: number, now?: () => number, capacity = 10_000) {
    this.admitted =
      minIntervalMs > 0
        ? // ttlResolution 0: the clock is read on every check rather than cached for a millisecond by a timer.
          new LRUCache({
            max: capacity,
            ttl: Math.ceil(minIntervalMs),
            ttlResolution: 0,
            ...(now && { perf: { now } }),
          })
        : undefined;
  }

  /** Seconds the caller must still wait, or 0 if this poll may go ahead (and is recorded). */
  check(key: string): number {
    const waitMs = this.admitted?.getRemainingTTL(key) ?? 0;
    if (waitMs > 0) return Math.ceil(waitMs / 1000);
    this.admitted?.set(key, true);
    return 0;
  }
}
