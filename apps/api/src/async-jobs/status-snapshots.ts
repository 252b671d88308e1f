import { LRUCache } from 'lru-cache';

export interface StatusSharing {
  /** A lookup younger than this answers every poll of its job as it is. 0: every poll looks the job up. */
  shareMs: number;
  /**
   * Up to this age a lookup still answers at once while one poll refreshes it in the background; an older one (or
   * none) is waited for. Bounds how stale an answer can be when a job is polled rarely.
   */
  maxAgeMs: number;
}

/** JOB_STATUS_SHARE_SECONDS as the job routes use it. */
export const statusSharing = (shareSeconds: number): StatusSharing => ({
  shareMs: shareSeconds * 1000,
  maxAgeMs: shareSeconds * 5000,
});

interface Snapshot<S> {
  /** When the lookup that produced `value` started: the state it saw is at least this recent. */
  at: number;
  value?: { status: S };
  /** The lookup under way, which concurrent polls share. */
  pending?: Promise<S>;
}

/**
 * Job status lookups shared by the polls of one job. A running job's status costs several round trips (Temporal's
 * describe, a progress query the worker answers while it works, the job record), so with many clients polling one
 * job, or one polling faster than Retry-After, every poll paying for it loads the same services that run the job.
 * Here at most one lookup per job runs at a time and one starts at most every `shareMs`; a poll between them is
 * answered from the last one, as stale as `maxAgeMs` at most. Ownership and cancellation are not cached: the job
 * routes check the job record on every request before asking (job-access.ts), so a cancelled job is gone at once.
 * Per API process, like the poll throttle: replicas each look the job up.
 */
export class StatusSnapshots<S> {
  private readonly snapshots: LRUCache<string, Snapshot<S>> | undefined;

  /** `now` in milliseconds (performance.now by default), `capacity` the jobs remembered (least recently polled go). */
  constructor(
    private readonly lookup: (tenant: string, jobId: string) => Promise<S>,
    private readonly sharing: StatusSharing,
    private readonly now: () => number = () => performance.now(),
    capacity = 10_000,
  ) {
    this.snapshots = sharing.shareMs > 0 ? new LRUCache({ max: capacity }) : undefined;
  }

  async status(tenant: string, jobId: string): Promise<S> {
    if (!this.snapshots) return this.lookup(tenant, jobId);
    const key = `${tenant}/${jobId}`;
    const snapshot = this.snapshots.get(key);
    const age = snapshot ? this.now() - snapshot.at : Infinity;
    if (snapshot?.value && age < this.sharing.maxAgeMs) {
      // A background refresh that fails is dropped: the next poll that needs a lookup waits for one and sees its error.
      if (age >= this.sharing.shareMs) this.refresh(key, tenant, jobId).catch(() => undefined);
      return snapshot.value.status;
    }
    return this.refresh(key, tenant, jobId);
  }

  /** The lookup under way for the job, or a new one whose result replaces the snapshot. */
  private refresh(key: string, tenant: string, jobId: string): Promise<S> {
    const snapshots = this.snapshots!;
    const snapshot = snapshots.get(key);
    if (snapshot?.pending) return snapshot.pending;
    const at = this.now();
    const pending = this.lookup(tenant, jobId).then(
      (status) => {
        snapshots.set(key, { at, value: { status } });
        return status;
      },
      (error: unknown) => {
        snapshots.delete(key);
        throw error;
      },
    );
    snapshots.set(key, { ...(snapshot ?? { at }), pending });
    return pending;
  }
}
