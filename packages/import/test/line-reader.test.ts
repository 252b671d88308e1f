import { type ReadLine, readLines } from '../src/line-reader';

const options = { startOffset: 0, startLine: 0, maxLineBytes: 1024 };

async function read(chunks: Iterable<Buffer | Uint8Array | string>, opts: Partial<typeof options> = {}) {
  async function* source() {
    for (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }
  const lines: ReadLine[] = [];
  for await (const line of readLines(source(), { ...options, ...opts })) lines.push(line);
  return lines;
}

/** `bytes` cut at the given positions. */
const cut = (bytes: Buffer, at: number[]) =>
  [0, ...at, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end));

/** Deterministic pseudo-random chunk boundaries, so a failure can be replayed. */
function randomCuts(length: number, seed: number): number[] {
  let state = seed;
  const cuts: number[] = [];
  for (let at = 0; ;) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    at += 1 + (state % 17);
    if (at >= length) return cuts;
    cuts.push(at);
  }
}

/** What reading `bytes` must give, worked out the obvious way: split the whole file, then measure. */
function expected(bytes: Buffer, maxLineBytes: number): ReadLine[] {
  const lines: ReadLine[] = [];
  for (let start = 0, line = 1; start < bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    const content = bytes.subarray(start, bytes[end - 1] === 0x0d && end > start ? end - 1 : end);
    const endOffset = newline === -1 ? end : end + 1;
    if (content.length > maxLineBytes) lines.push({ line, endOffset, tooLong: content.length });
    else if (content.toString().trim() !== '') lines.push({ line, endOffset, text: content.toString() });
    start = endOffset;
  }
  return lines;
}

/** Lines over, at and under 80 bytes, multi-byte characters, CRLF, blank lines and no final newline. */
const MAX = 80;
const sample = Buffer.from(
  [
    '{"resourceType":"Patient","id":"a","name":[{"text":"Zoë Ålström 😀"}]}',
    '',
    '{"id":"b","text":"日本語のテキスト"}\r',
    '   ',
    'x'.repeat(200),
    '\r',
    '{"id":"c","emoji":"👩‍⚕️🧬"}\r',
    `${'é'.repeat(40)}\r`,
    `${'é'.repeat(40)}y`,
    'y'.repeat(81),
    '{"id":"d"}',
  ].join('\n'),
);

describe('readLines', () => {
  it('numbers lines from 1 and gives the offset just past each newline', async () => {
    expect(await read(['a\nbc\n'])).toEqual([
      { line: 1, endOffset: 2, text: 'a' },
      { line: 2, endOffset: 5, text: 'bc' },
    ]);
  });

  it('drops the \\r of CRLF, also when the \\r ends one chunk and the \\n starts the next', async () => {
    expect(await read(['a\r\nb\r', '\nc\r\n'])).toEqual([
      { line: 1, endOffset: 3, text: 'a' },
      { line: 2, endOffset: 6, text: 'b' },
      { line: 3, endOffset: 9, text: 'c' },
    ]);
  });

  it('reads a last line without a newline up to the end of the data', async () => {
    expect(await read(['a\n', 'b', 'c'])).toEqual([
      { line: 1, endOffset: 2, text: 'a' },
      { line: 2, endOffset: 4, text: 'bc' },
    ]);
  });

  it('numbers blank and whitespace-only lines without yielding them', async () => {
    expect(await read(['\na\n\n \t\r\n', '\r\nb\n\n'])).toEqual([
      { line: 2, endOffset: 3, text: 'a' },
      { line: 6, endOffset: 12, text: 'b' },
    ]);
  });

  it('decodes a character split across three chunks', async () => {
    const bytes = Buffer.from('{"n":"😀"}\n');
    const emoji = bytes.indexOf(Buffer.from('😀'));
    expect(await read(cut(bytes, [emoji + 1, emoji + 3]))).toEqual([
      { line: 1, endOffset: bytes.length, text: '{"n":"😀"}' },
    ]);
  });

  it('reports a line that is not UTF-8 instead of decoding it to U+FFFD, and goes on after it', async () => {
    const bad = Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
    const lone = Buffer.concat([Buffer.from('{"id":"x'), Buffer.from([0xe2, 0x82]), Buffer.from('"}\n')]);
    const bytes = Buffer.concat([Buffer.from('{"id":"ok"}\n'), bad, lone, Buffer.from('{"id":"after"}\n')]);
    expect(await read(cut(bytes, [15, 22]))).toEqual([
      { line: 1, endOffset: 12, text: '{"id":"ok"}' },
      { line: 2, endOffset: 12 + bad.length, notUtf8: true },
      { line: 3, endOffset: 12 + bad.length + lone.length, notUtf8: true },
      { line: 4, endOffset: bytes.length, text: '{"id":"after"}' },
    ]);
  });

  it('takes Uint8Array chunks that are views into a larger buffer', async () => {
    const backing = new Uint8Array(Buffer.from('__x\ny\n__'));
    expect(await read([backing.subarray(2, 6)])).toEqual([
      { line: 1, endOffset: 2, text: 'x' },
      { line: 2, endOffset: 4, text: 'y' },
    ]);
  });

  it.each([1, 2, 3, 7, 64, 4096])('gives the same lines whatever the chunk size (%i bytes)', async (size) => {
    const chunks = cut(
      sample,
      [...Array(Math.ceil(sample.length / size)).keys()].slice(1).map((i) => i * size),
    );
    expect(await read(chunks, { maxLineBytes: MAX })).toEqual(expected(sample, MAX));
  });

  it('gives the same lines for random chunk boundaries', async () => {
    for (let seed = 1; seed <= 50; seed++) {
      expect(await read(cut(sample, randomCuts(sample.length, seed)), { maxLineBytes: MAX })).toEqual(
        expected(sample, MAX),
      );
    }
  });

  it('reports a line over maxLineBytes by its length only, and goes on after it', async () => {
    const long = 'z'.repeat(25);
    expect(
      await read(cut(Buffer.from(`ok\n${long}\r\nnext\n${long}`), [5, 9, 13, 20, 29, 34]), { maxLineBytes: 10 }),
    ).toEqual([
      { line: 1, endOffset: 3, text: 'ok' },
      { line: 2, endOffset: 30, tooLong: 25 },
      { line: 3, endOffset: 35, text: 'next' },
      { line: 4, endOffset: 60, tooLong: 25 },
    ]);
  });

  it('measures a line without its CRLF against maxLineBytes', async () => {
    for (const chunks of [['abc\r\nabcd\r\n'], ['abc\r', '\nabcd\r', '\n'], ['ab', 'c', '\r', '\n', 'abcd', '\r\n']]) {
      expect(await read(chunks, { maxLineBytes: 3 })).toEqual([
        { line: 1, endOffset: 5, text: 'abc' },
        { line: 2, endOffset: 11, tooLong: 4 },
      ]);
    }
  });

  it('reads on from a resume point exactly as a full read does from there', async () => {
    const full = expected(sample, MAX);
    for (const { line, endOffset } of full) {
      const rest = cut(sample.subarray(endOffset), randomCuts(sample.length - endOffset, line));
      expect(await read(rest, { startOffset: endOffset, startLine: line, maxLineBytes: MAX })).toEqual(
        full.filter((l) => l.line > line),
      );
    }
  });

  it('reads nothing from no data', async () => {
    expect(await read([])).toEqual([]);
    expect(await read([Buffer.alloc(0)], { startOffset: 10, startLine: 3 })).toEqual([]);
  });

  // Speed is the import benchmark's to measure (npm run bench:import); timed assertions are flaky on busy machines.
  it('reads 100,000 lines of 1 KB in 64 KB chunks, every one at its offset', async () => {
    const line = `${JSON.stringify({ resourceType: 'Patient', id: 'p', text: 'é'.repeat(490) }).slice(0, 1020)}\n`;
    const chunk = Buffer.from(line.repeat(64));
    const lines = 100_000;
    async function* chunks() {
      for (let i = 0; i < Math.floor(lines / 64); i++) yield chunk;
      yield Buffer.from(line.repeat(lines % 64));
    }
    let count = 0;
    let last: ReadLine | undefined;
    for await (const read of readLines(chunks(), options)) {
      count++;
      last = read;
    }
    expect(count).toBe(lines);
    expect(last).toMatchObject({ line: lines, endOffset: lines * Buffer.byteLength(line) });
  });
});
