/** What one look at a running file says: how long its checkpoint has stood still, and whether that just changed. */
export interface StallReading {
  /** Whole seconds without progress, once that reaches the threshold; 0 while the file moves. */
  stalledSeconds: number;
  /** `stalled` the first time the threshold is crossed, `moving` when a stalled file moves again. */
  change?: 'stalled' | 'moving';
}

/**
 * Notices a file that makes no progress: its checkpoint offset stays put for `thresholdMs`. Pure (the caller passes
 * the clock), so a stall is told apart from slow progress by a unit test, not by waiting. A resumed import once sat
 * for 30 minutes on one offset with nothing in any log; this is what makes that visible.
 */
export class StallWatch {
  private offset: number;
  private movedAt: number;
  private stalled = false;

  constructor(
    offset: number,
    now: number,
    private readonly thresholdMs: number,
  ) {
    this.offset = offset;
    this.movedAt = now;
  }

  observe(offset: number, now: number): StallReading {
    if (offset !== this.offset) {
      this.offset = offset;
      this.movedAt = now;
      const wasStalled = this.stalled;
      this.stalled = false;
      return { stalledSeconds: 0, ...(wasStalled ? { change: 'moving' as const } : {}) };
    }
    const still = now - this.movedAt;
    if (still < this.thresholdMs) return { stalledSeconds: 0 };
    const change = this.stalled ? {} : { change: 'stalled' as const };
    this.stalled = true;
    return { stalledSeconds: Math.floor(still / 1000), ...change };
  }
}
