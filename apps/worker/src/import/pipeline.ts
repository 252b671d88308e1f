/**
 * A bounded queue between one producer and several consumers: `push` waits while `capacity` items are queued, so a
 * fast parser never runs ahead of slow writers by more than that; `pop` waits for an item and returns undefined
 * once the channel is closed and drained. `fail` wakes everyone with the error, so one failing writer stops all.
 */
export class Channel<T> {
  private readonly items: T[] = [];
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  private failure: { error: unknown } | undefined;

  constructor(private readonly capacity: number) {}

  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.failure) await this.wait();
    this.check();
    if (this.closed) throw new Error('push to a closed channel');
    this.items.push(item);
    this.wake();
  }

  async pop(): Promise<T | undefined> {
    while (this.items.length === 0 && !this.closed && !this.failure) await this.wait();
    this.check();
    const item = this.items.shift();
    this.wake();
    return item;
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.failure ??= { error };
    this.wake();
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/**
 * Feeds `source` through a channel of `capacity` to `consumers` concurrent `work` calls. Resolves when every item
 * is done; rejects with the first error (of the source or of any work), after which nothing new starts.
 */
export async function runPipeline<T>(
  source: AsyncIterable<T>,
  { consumers, capacity }: { consumers: number; capacity: number },
  work: (item: T) => Promise<void>,
): Promise<void> {
  const channel = new Channel<T>(capacity);
  const consume = async () => {
    for (let item = await channel.pop(); item !== undefined; item = await channel.pop()) await work(item);
  };
  const produce = async () => {
    for await (const item of source) await channel.push(item);
    channel.close();
  };
  const guarded = (run: () => Promise<void>) =>
    run().catch((error: unknown) => {
      channel.fail(error);
      throw error;
    });
  const results = await Promise.allSettled([
    guarded(produce),
    ...Array.from({ length: consumers }, () => guarded(consume)),
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
