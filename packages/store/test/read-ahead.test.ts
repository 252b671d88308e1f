import { readAhead } from '../src/read-ahead';

/** A source of 1..n that records how far it was asked, whether it was closed, and fails at `failAt` if given. */
function counting(n: number, failAt?: number) {
  const state = { asked: 0, closed: false };
  async function* items() {
    try {
      for (let i = 1; i <= n; i++) {
        state.asked = i;
        await Promise.resolve();
        if (i === failAt) throw new Error(`item ${i} failed`);
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, items: items() };
}

describe('readAhead', () => {
  it('yields every item in order', async () => {
    const { items } = counting(2_500);
    const seen: number[] = [];
    for await (const item of readAhead(items, 100)) seen.push(item);
    expect(seen).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
  });

  it('asks the source ahead of the consumer, by at most `ahead` items', async () => {
    const { state, items } = counting(1_000);
    const iterator = readAhead(items, 10)[Symbol.asyncIterator]();
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    await settle();
    // Ten asked for at the first take, the first of them taken; nothing beyond.
    expect(state.asked).toBe(10);
    expect(await iterator.next()).toEqual({ done: false, value: 2 });
    await settle();
    expect(state.asked).toBe(11);
    await iterator.return(undefined);
  });

  it('closes the source when the consumer stops early', async () => {
    const { state, items } = counting(1_000);
    for await (const item of readAhead(items, 10)) if (item === 3) break;
    expect(state.closed).toBe(true);
  });

  it("passes the source's failure on at the item that failed, after the items before it", async () => {
    const { items } = counting(100, 7);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of readAhead(items, 20)) seen.push(item);
      })(),
    ).rejects.toThrow('item 7 failed');
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
