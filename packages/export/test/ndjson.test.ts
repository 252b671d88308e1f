import { ndjsonChunks } from '../src';

async function* resources(n: number) {
  for (let i = 0; i < n; i++) yield { resourceType: 'Patient', id: `p${i}`, text: 'x'.repeat(100) };
}

describe('ndjsonChunks', () => {
  it('writes one JSON line per resource, in order, across chunk boundaries', async () => {
    const seen: string[] = [];
    const chunks: Buffer[] = [];
    for await (const chunk of ndjsonChunks(resources(5_000), (r) => seen.push(r.id))) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(5_000);
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(seen);
    expect(seen[4_999]).toBe('p4999');
  });

  it('writes nothing for no resources', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of ndjsonChunks(resources(0))) chunks.push(chunk);
    expect(chunks).toEqual([]);
  });
});
