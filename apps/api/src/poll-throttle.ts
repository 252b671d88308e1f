/**
 * Remembers when each job was last polled, to answer 429 to clients polling faster than Retry-After asks.
 * Per API process: behind a load balancer a client may get through more often, which is harmless (polls are
 * cheap reads); the point is to push misbehaving clients back, not to meter exactly.
 */
export class PollThrottle {
  private readonly lastPoll = new Map<string, number>();

  constructor(
    private readonly minIntervalMs: number,
    private readonly now: () => number = Date.now,
    /** Entries kept at most; the oldest go first, so a flood of job ids cannot grow memory. */
    private readonly capacity = 10_000,
  ) {}

  /** Seconds the caller must still wait, or 0 if this poll may go ahead (and is recorded). */
  check(key: string): number {
    const now = this.now();
    const last = this.lastPoll.get(key);
    if (last !== undefined && now - last < this.minIntervalMs)
      return Math.ceil((this.minIntervalMs - (now - last)) / 1000);
    this.lastPoll.delete(key);
    this.lastPoll.set(key, now);
    if (this.lastPoll.size > this.capacity) this.lastPoll.delete(this.lastPoll.keys().next().value!);
    return 0;
  }
}
