import { PollThrottle } from '../src/poll-throttle';

/** A clock the test moves; it starts past 0, which the cache would read as "no start". */
function clock() {
  let ms = 1_000_000;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

describe('PollThrottle', () => {
  it('admits a first poll and refuses the next within the interval, with the seconds left rounded up', () => {
    const time = clock();
    const throttle = new PollThrottle(5_000, time.now);
    expect(throttle.check('job')).toBe(0);
    time.advance(1_200);
    expect(throttle.check('job')).toBe(4);
    time.advance(3_799);
    expect(throttle.check('job')).toBe(1);
  });

  it('admits a poll once the interval has passed since the last admitted one, not since a refused one', () => {
    const time = clock();
    const throttle = new PollThrottle(5_000, time.now);
    throttle.check('job');
    time.advance(4_000);
    expect(throttle.check('job')).toBe(1);
    time.advance(1_000);
    expect(throttle.check('job')).toBe(0);
    expect(throttle.check('job')).toBe(5);
  });

  it('throttles each job on its own', () => {
    const time = clock();
    const throttle = new PollThrottle(5_000, time.now);
    expect(throttle.check('a')).toBe(0);
    expect(throttle.check('b')).toBe(0);
    expect(throttle.check('a')).toBe(5);
  });

  it('keeps at most its capacity, forgetting the least recently admitted job first', () => {
    const time = clock();
    const throttle = new PollThrottle(5_000, time.now, 2);
    for (const job of ['a', 'b', 'c']) throttle.check(job);
    expect(throttle.check('a')).toBe(0);
    expect(throttle.check('c')).toBe(5);
  });

  it('throttles nothing with an interval of 0', () => {
    const throttle = new PollThrottle(0);
    expect([throttle.check('job'), throttle.check('job')]).toEqual([0, 0]);
  });
});
