import { randomUUID } from 'node:crypto';
import type { AuditEvent } from './audit-event';

/** Where events go: one call per tenant per flush (the store's bulk write). */
export interface AuditSink {
  write(tenant: string, events: AuditEvent[]): Promise<void>;
}

/** Only counts and the error are logged: an event holds client ids and queries, which stay in the store. */
export interface AuditLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface AuditTrailOptions {
  sink: AuditSink;
  log: AuditLog;
  /** A flush starts this long after the first event waiting… */
  flushIntervalMs?: number;
  /** …or as soon as this many wait. */
  batchSize?: number;
  /** While the store is down events wait, up to this many; later ones are dropped and counted. */
  maxBuffered?: number;
}

/**
 * The API's audit trail: `record` only puts the event in memory, so a request never waits for the database; a
 * background flush writes each tenant's events with one bulk write, every `flushIntervalMs` or every `batchSize`
 * events, whichever comes first. A failed flush keeps its events for the next one, in order, up to `maxBuffered`;
 * past that, new events are dropped and the count logged, so a long store outage cannot exhaust memory. `close`
 * flushes whatever is left (the clean shutdown path). What a crash can lose is in docs/audit.md.
 */
export class AuditTrail {
  private readonly sink: AuditSink;
  private readonly log: AuditLog;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private buffer = new Map<string, AuditEvent[]>();
  private buffered = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  /** A flush for a full batch is already on its way: the events recorded meanwhile ride on it. */
  private batchFlushQueued = false;

  constructor({ sink, log, flushIntervalMs = 1_000, batchSize = 500, maxBuffered = 50_000 }: AuditTrailOptions) {
    this.sink = sink;
    this.log = log;
    this.flushIntervalMs = flushIntervalMs;
    this.batchSize = batchSize;
    this.maxBuffered = maxBuffered;
  }

  /** Events waiting to be written. */
  get pending(): number {
    return this.buffered;
  }

  /** Queues an event of `tenant` (given an id if it has none); never waits, never throws. */
  record(tenant: string, event: AuditEvent): void {
    if (this.buffered >= this.maxBuffered) {
      this.dropped++;
      return;
    }
    const events = this.buffer.get(tenant) ?? [];
    events.push(event.id === undefined ? { ...event, id: randomUUID() } : event);
    this.buffer.set(tenant, events);
    this.buffered++;
    if (this.buffered >= this.batchSize) {
      if (!this.batchFlushQueued) {
        this.batchFlushQueued = true;
        void this.flush();
      }
    } else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs).unref();
  }

  /** Writes everything queued so far; resolves when written, or kept for later if the store refused. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBuffered());
    return this.flushing;
  }

  /** Stops the timer and writes what is left; events still unwritten after that are logged as lost (a count). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.buffered > 0 || this.dropped > 0)
      this.log.error({ lost: this.buffered + this.dropped }, 'audit events lost at shutdown: the store refused them');
  }

  private async writeBuffered(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.batchFlushQueued = false;
    const taken = this.buffer;
    this.buffer = new Map();
    this.buffered = 0;
    const failed = new Map<string, AuditEvent[]>();
    for (const [tenant, events] of taken) {
      try {
        await this.sink.write(tenant, events);
      } catch (error) {
        failed.set(tenant, events);
        this.log.warn({ err: error, tenant, events: events.length }, 'audit events not written yet; will retry');
      }
    }
    this.requeue(failed);
    if (this.dropped > 0 && !this.closed) {
      this.log.error({ dropped: this.dropped }, 'audit events dropped: the buffer was full while the store was down');
      this.dropped = 0;
    }
  }

  /** Events of a failed write go back before any recorded meanwhile, so each tenant's order holds. */
  private requeue(failed: Map<string, AuditEvent[]>): void {
    if (failed.size === 0) return;
    for (const [tenant, events] of this.buffer) failed.set(tenant, [...(failed.get(tenant) ?? []), ...events]);
    this.buffer = failed;
    this.buffered = [...failed.values()].reduce((sum, events) => sum + events.length, 0);
    if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs).unref();
  }
}

/** What the API's request path needs of the trail: queue an event. */
export type AuditRecorder = Pick<AuditTrail, 'record'>;
