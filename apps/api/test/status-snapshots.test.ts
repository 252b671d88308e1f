import { StatusSnapshots } from '../src/async-jobs/status-snapshots';

/** A lookup the test settles by hand, counting the calls per job. */
function lookups() {
  const calls: Array<{ key: string; settle: (status: string) => void; fail: (error: Error) => void }> = [];
  const lookup = (tenant: string, jobId: string) =>
    new Promise<string>((resolve, reject) => calls.push({ key: `${tenant}/${jobId}`, settle: resolve, fail: reject }));
  return { calls, lookup };
}

function clock() {
  let ms = 1_000_000;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

const SHARING = { shareMs: 1_000, maxAgeMs: 5_000 };

/** Snapshots whose job 't/job' has been looked up once ('running 10%'), at the clock's start. */
async function primed() {
  const { calls, lookup } = lookups();
  const time = clock();
  const snapshots = new StatusSnapshots(lookup, SHARING, time.now);
  const first = snapshots.status('t', 'job');
  calls[0]!.settle('running 10%');
  await first;
  return { calls, time, snapshots };
}
/** Lets settled lookups' callbacks run. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('StatusSnapshots', () => {
  it('shares one lookup between concurrent polls of a job, and answers polls within shareMs from it', async () => {
    const { calls, lookup } = lookups();
    const time = clock();
    const snapshots = new StatusSnapshots(lookup, SHARING, time.now);
    const polls = [snapshots.status('t', 'job'), snapshots.status('t', 'job')];
    expect(calls).toHaveLength(1);
    calls[0]!.settle('running 10%');
    expect(await Promise.all(polls)).toEqual(['running 10%', 'running 10%']);
    time.advance(999);
    expect(await snapshots.status('t', 'job')).toBe('running 10%');
    expect(calls).toHaveLength(1);
  });

  it('keeps jobs and tenants apart', async () => {
    const { calls, lookup } = lookups();
    const snapshots = new StatusSnapshots(lookup, SHARING, clock().now);
    void snapshots.status('t', 'a');
    void snapshots.status('t', 'b');
    void snapshots.status('u', 'a');
    expect(calls.map((c) => c.key)).toEqual(['t/a', 't/b', 'u/a']);
  });

  it('after shareMs answers from the last lookup while one refresh runs, then from the refresh', async () => {
    const { calls, time, snapshots } = await primed();
    time.advance(1_500);
    expect(await snapshots.status('t', 'job')).toBe('running 10%');
    expect(await snapshots.status('t', 'job')).toBe('running 10%');
    expect(calls).toHaveLength(2);
    calls[1]!.settle('completed');
    await settled();
    expect(await snapshots.status('t', 'job')).toBe('completed');
    expect(calls).toHaveLength(2);
  });

  it('waits for a new lookup once the last one is maxAgeMs old', async () => {
    const { calls, time, snapshots } = await primed();
    time.advance(5_000);
    const poll = snapshots.status('t', 'job');
    expect(calls).toHaveLength(2);
    calls[1]!.settle('running 90%');
    expect(await poll).toBe('running 90%');
  });

  it('keeps no failed lookup: the polls sharing it fail, and the next poll looks the job up again', async () => {
    const { calls, lookup } = lookups();
    const snapshots = new StatusSnapshots(lookup, SHARING, clock().now);
    const polls = [snapshots.status('t', 'job'), snapshots.status('t', 'job')];
    calls[0]!.fail(new Error('Temporal unreachable'));
    for (const poll of polls) await expect(poll).rejects.toThrow('Temporal unreachable');
    const next = snapshots.status('t', 'job');
    expect(calls).toHaveLength(2);
    calls[1]!.settle('running 20%');
    expect(await next).toBe('running 20%');
  });

  it('drops a snapshot whose background refresh failed, so the next poll waits for a lookup', async () => {
    const { calls, time, snapshots } = await primed();
    time.advance(2_000);
    expect(await snapshots.status('t', 'job')).toBe('running 10%');
    calls[1]!.fail(new Error('Temporal unreachable'));
    await settled();
    const next = snapshots.status('t', 'job');
    expect(calls).toHaveLength(3);
    calls[2]!.settle('running 30%');
    expect(await next).toBe('running 30%');
  });

  it('looks the job up on every poll when shareMs is 0', async () => {
    const { calls, lookup } = lookups();
    const snapshots = new StatusSnapshots(lookup, { shareMs: 0, maxAgeMs: 0 }, clock().now);
    void snapshots.status('t', 'job');
    void snapshots.status('t', 'job');
    expect(calls).toHaveLength(2);
  });
});
