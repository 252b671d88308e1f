import { type AuditEvent, AuditTrail, type AuditSink } from '../src';

const event = (n: number): AuditEvent =>
  ({ resourceType: 'AuditEvent', recorded: new Date(n).toISOString() }) as unknown as AuditEvent;

/** A sink that keeps what it was given, failing while `down` is set. */
class MemorySink implements AuditSink {
  writes: Array<{ tenant: string; events: AuditEvent[] }> = [];
  down = false;
  async write(tenant: string, events: AuditEvent[]): Promise<void> {
    if (this.down) throw new Error('store unreachable');
    this.writes.push({ tenant, events });
  }
  get written() {
    return this.writes.flatMap((write) => write.events.map((e) => e.recorded));
  }
}

const silentLog = () => ({ warn: jest.fn(), error: jest.fn() });

describe('AuditTrail', () => {
  it('returns from record at once and writes nothing until the flush interval has passed', async () => {
    jest.useFakeTimers();
    try {
      const sink = new MemorySink();
      const trail = new AuditTrail({ sink, log: silentLog(), flushIntervalMs: 1_000 });
      trail.record('a', event(1));
      trail.record('a', event(2));
      expect(sink.writes).toEqual([]);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(sink.writes).toHaveLength(1);
      expect(sink.written).toEqual([event(1).recorded, event(2).recorded]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('writes each tenant’s events with one write per flush, each given an id', async () => {
    const sink = new MemorySink();
    const trail = new AuditTrail({ sink, log: silentLog() });
    trail.record('a', event(1));
    trail.record('b', event(2));
    trail.record('a', { ...event(3), id: 'fixed' });
    await trail.flush();
    expect(sink.writes.map((write) => [write.tenant, write.events.length])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    const ids = sink.writes.flatMap((write) => write.events.map((e) => e.id));
    expect(ids[1]).toBe('fixed');
    expect(ids.every((id) => typeof id === 'string' && /^[A-Za-z0-9\-.]{1,64}$/.test(id))).toBe(true);
    expect(trail.pending).toBe(0);
  });

  it('flushes as soon as a batch is full, without waiting for the interval', async () => {
    const sink = new MemorySink();
    const trail = new AuditTrail({ sink, log: silentLog(), flushIntervalMs: 60_000, batchSize: 3 });
    for (let n = 1; n <= 3; n++) trail.record('a', event(n));
    await trail.flush();
    expect(sink.writes).toHaveLength(1);
    expect(sink.writes[0]!.events).toHaveLength(3);
  });

  it('keeps the events of a failed flush, in order, and writes them once the store is back', async () => {
    const sink = new MemorySink();
    const log = silentLog();
    const trail = new AuditTrail({ sink, log });
    sink.down = true;
    trail.record('a', event(1));
    await trail.flush();
    expect(trail.pending).toBe(1);
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ events: 1 }), expect.any(String));
    trail.record('a', event(2));
    sink.down = false;
    await trail.flush();
    expect(sink.written).toEqual([event(1).recorded, event(2).recorded]);
    expect(trail.pending).toBe(0);
  });

  it('drops events past maxBuffered while the store is down and logs how many', async () => {
    const sink = new MemorySink();
    const log = silentLog();
    const trail = new AuditTrail({ sink, log, maxBuffered: 2 });
    sink.down = true;
    for (let n = 1; n <= 5; n++) trail.record('a', event(n));
    await trail.flush();
    expect(trail.pending).toBe(2);
    expect(log.error).toHaveBeenCalledWith({ dropped: 3 }, expect.any(String));
    sink.down = false;
    await trail.flush();
    expect(sink.written).toEqual([event(1).recorded, event(2).recorded]);
  });

  it('writes everything left on close, and logs a count of what the store refused then', async () => {
    const sink = new MemorySink();
    const trail = new AuditTrail({ sink, log: silentLog(), flushIntervalMs: 60_000 });
    trail.record('a', event(1));
    trail.record('b', event(2));
    await trail.close();
    expect(sink.written).toEqual([event(1).recorded, event(2).recorded]);

    const down = new MemorySink();
    down.down = true;
    const log = silentLog();
    const failing = new AuditTrail({ sink: down, log });
    failing.record('a', event(1));
    await failing.close();
    expect(log.error).toHaveBeenCalledWith({ lost: 1 }, expect.any(String));
  });
});
