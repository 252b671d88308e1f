import { ndjsonChunks } from '../src';

async function* lines(n: number) {
  for (let i = 0; i < n; i++)
    yield JSON.stringify({ resourceType: 'Patient', id: `p${i}`, text: 'x'.repeat(100) }) + '\n';
}

describe('ndjsonChunks', () => {
  it('passes every line on, in order, across chunk boundaries', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of ndjsonChunks(lines(5_000))) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    const out = Buffer.concat(chunks).toString('utf8').split('\n');
    expect(out.pop()).toBe('');
    expect(out.map((l) => JSON.parse(l).id)).toEqual(Array.from({ length: 5_000 }, (_, i) => `p${i}`));
  });

  it('writes nothing for no lines', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of ndjsonChunks(lines(0))) chunks.push(chunk);
    expect(chunks).toEqual([]);
  });
});
