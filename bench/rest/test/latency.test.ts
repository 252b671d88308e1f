import { percentile, summarize } from '../latency';
import { type OperationRun, verdictsOf } from '../report';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('is the sample at rank ceil(p/100 · n)', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([10, 20, 30], 50)).toBe(20);
  });

  it('is the maximum for p99 of fewer than 100 samples', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(percentile([7], 50)).toBe(7);
  });

  it('refuses no samples and percentiles outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow('no samples');
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts the samples, whatever their order, and counts them', () => {
    const samples = Array.from({ length: 200 }, (_, i) => (i * 37) % 200);
    expect(summarize(samples)).toEqual({ requests: 200, p50Ms: 99, p99Ms: 197, maxMs: 199 });
  });
});

describe('summarize', () => {
  it('keeps a request that got no answer (Infinity) as the slowest, failing any target', () => {
    const summary = summarize([Infinity, 12, 3]);
    expect(summary).toEqual({ requests: 3, p50Ms: 12, p99Ms: Infinity, maxMs: Infinity });
    expect(verdictsOf([{ operation: 'update', concurrency: 1, ...summary }])[0]?.pass).toBe(false);
  });
});

describe('verdictsOf', () => {
  const run = (operation: string, p99Ms: number, concurrency = 1): OperationRun => ({
    operation,
    concurrency,
    requests: 10,
    p50Ms: 1,
    p99Ms,
    maxMs: p99Ms,
  });

  it('judges updates against 50 ms and status polls against 20 ms, a p99 at the target passing', () => {
    const verdicts = verdictsOf([run('update', 50), run('update', 51, 4), run('status poll', 20.5, 100)]);
    expect(verdicts.map(({ concurrency, pass }) => [concurrency, pass])).toEqual([
      [1, true],
      [4, false],
      [100, false],
    ]);
  });

  it('gives operations without a target no verdict', () => {
    expect(verdictsOf([run('read', 900), run('search Patient?gender', 900)])).toEqual([]);
  });
});
