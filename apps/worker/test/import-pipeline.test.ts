import type { ImportCheckpoint } from '@fhir-bulk/import';
import { Channel, runPipeline } from '../src/import/pipeline';
import { FileCheckpoints, type WrittenBatch } from '../src/import/file-checkpoints';

const START: ImportCheckpoint = { offset: 0, line: 0, count: 0, errors: 0, errorParts: [] };

async function* numbers(count: number) {
  for (let i = 1; i <= count; i++) yield i;
}

describe('runPipeline', () => {
  it('gives every item to exactly one consumer, never more than `consumers` at once', async () => {
    const seen: number[] = [];
    let running = 0;
    let most = 0;
    await runPipeline(numbers(50), { consumers: 3, capacity: 2 }, async (n) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, n % 3));
      seen.push(n);
      running--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(most).toBe(3);
  });

  it('keeps the producer at most `capacity` items ahead of the consumers', async () => {
    let produced = 0;
    let consumed = 0;
    let ahead = 0;
    async function* counted() {
      for (let i = 1; i <= 30; i++) {
        produced++;
        yield i;
      }
    }
    await runPipeline(counted(), { consumers: 1, capacity: 4 }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      consumed++;
      ahead = Math.max(ahead, produced - consumed);
    });
    // capacity queued, one being consumed, one produced and waiting to be pushed.
    expect(ahead).toBeLessThanOrEqual(4 + 2);
  });

  it('rejects with the first failure and stops producing', async () => {
    let produced = 0;
    async function* endless() {
      for (;;) {
        produced++;
        yield produced;
      }
    }
    await expect(
      runPipeline(endless(), { consumers: 2, capacity: 2 }, async (n) => {
        if (n === 10) throw new Error('write failed');
      }),
    ).rejects.toThrow('write failed');
    expect(produced).toBeLessThan(20);
  });

  it('a closed, drained channel pops undefined', async () => {
    const channel = new Channel<number>(1);
    await channel.push(1);
    channel.close();
    expect(await channel.pop()).toBe(1);
    expect(await channel.pop()).toBeUndefined();
  });
});

describe('FileCheckpoints', () => {
  const batch = (seq: number, errors: number[] = []): WrittenBatch => ({
    seq,
    firstLine: seq * 10 + 1,
    endOffset: (seq + 1) * 100,
    endLine: (seq + 1) * 10,
    written: 10 - errors.length,
    errors: errors.map((line) => ({ line, text: `e${line}` })),
  });

  function tracker(resumed = START) {
    const parts = new Map<string, string>();
    const checkpoints: ImportCheckpoint[] = [];
    const files = new FileCheckpoints(resumed, {
      writeErrors: async (afterLine, text) => {
        parts.set(`part-${afterLine}`, text);
        return `part-${afterLine}`;
      },
      onCheckpoint: async (c) => {
        checkpoints.push(c);
      },
      intervalMs: 1_000_000,
      maxErrorBytes: 1_000_000,
    });
    return { files, parts, checkpoints };
  }

  it('never checkpoints past a batch still being written', async () => {
    const { files } = tracker();
    await files.complete(batch(1, [15]));
    await files.complete(batch(2));
    expect(await files.checkpoint()).toEqual(START); // batch 0 is not done
    await files.complete(batch(0, [3]));
    expect(await files.checkpoint()).toMatchObject({
      offset: 300,
      line: 30,
      count: 28,
      errors: 2,
      errorParts: ['part-0'],
    });
  });

  it('writes the errors of each checkpoint to a part named by the line it follows, in line order', async () => {
    const { files, parts } = tracker();
    await files.complete(batch(0, [3]));
    await files.complete(batch(1, [12, 19]));
    await files.checkpoint();
    await files.complete(batch(2));
    await files.checkpoint(); // no errors: no part
    await files.complete(batch(3, [31]));
    const last = await files.checkpoint();
    expect(last.errorParts).toEqual(['part-0', 'part-30']);
    expect([...parts.values()]).toEqual(['e3\ne12\ne19\n', 'e31\n']);
  });

  it('resumes from a checkpoint: the segment after it is written again, to a part of its own', async () => {
    const resumed: ImportCheckpoint = { offset: 200, line: 20, count: 18, errors: 2, errorParts: ['part-0'] };
    const { files, parts } = tracker(resumed);
    await files.complete({ ...batch(0, [25]), endOffset: 300, endLine: 30 });
    const done = await files.checkpoint();
    expect(done).toEqual({ offset: 300, line: 30, count: 27, errors: 3, errorParts: ['part-0', 'part-20'] });
    expect(parts.get('part-20')).toBe('e25\n');
  });

  it('checkpoints after each batch that leaves no error line waiting, so a resume redoes only unfinished batches', async () => {
    const { files, checkpoints } = tracker();
    await files.complete(batch(0));
    await files.complete(batch(2)); // out of order: the checkpoint stays after batch 0
    expect(checkpoints.map((c) => c.line)).toEqual([10, 10]);
    await files.complete(batch(1, [15])); // its error waits for the interval: no checkpoint
    expect(checkpoints).toHaveLength(2);
    await files.complete(batch(3));
    expect(checkpoints).toHaveLength(2);
    await files.checkpoint();
    expect(checkpoints.at(-1)).toMatchObject({ line: 40, count: 39, errors: 1, errorParts: ['part-10'] });
  });

  it('names the batches written beyond the checkpoint without bad lines, which a resumed attempt skips', async () => {
    const { files, checkpoints } = tracker();
    await files.complete(batch(0));
    await files.complete(batch(2));
    await files.complete(batch(3, [35]));
    const resumed = checkpoints.at(-1)!;
    expect(resumed).toMatchObject({ line: 10, ahead: [{ firstLine: 21, endLine: 30, written: 10 }] });
    const { written: _, ...parsed } = batch(2);
    expect(FileCheckpoints.writtenBefore(resumed, { ...parsed, seq: 1 })).toEqual({ ...batch(2), seq: 1 });
    const { written: __, ...unwritten } = batch(1);
    expect(FileCheckpoints.writtenBefore(resumed, unwritten)).toBeUndefined();
    const { written: ___, ...withBadLine } = batch(3, [35]);
    expect(FileCheckpoints.writtenBefore(resumed, withBadLine)).toBeUndefined();
    // Another batch size cuts other lines: nothing matches, everything is written again.
    expect(FileCheckpoints.writtenBefore(resumed, { ...parsed, endLine: 25 })).toBeUndefined();
  });

  it('checkpoints by itself when errors pile up', async () => {
    const checkpoints: ImportCheckpoint[] = [];
    const files = new FileCheckpoints(START, {
      writeErrors: async (afterLine) => `part-${afterLine}`,
      onCheckpoint: async (c) => {
        checkpoints.push(c);
      },
      intervalMs: 1_000_000,
      maxErrorBytes: 10,
    });
    await files.complete(batch(0, [1, 2, 3, 4]));
    expect(checkpoints).toHaveLength(1);
  });
});
