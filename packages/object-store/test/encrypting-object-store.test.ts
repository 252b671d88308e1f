import { MemoryObjects } from '@fhir-bulk/test-support/src/memory-objects';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { EncryptingObjectStore, ObjectIntegrityError, UnknownMasterKeyError } from '../src';
import { HEADER_BYTES } from '../src/encryption/header';
import { SEALED_SEGMENT_BYTES, SEGMENT_BYTES } from '../src/encryption/segments';

const keyA = { id: 'key-a', key: randomBytes(32) };
const keyB = { id: 'key-b', key: randomBytes(32) };

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Plaintext stored sealed in memory, with its stored bytes at hand to tamper with. */
async function sealed(plain: Buffer, keyring = [keyA]) {
  const stored = new MemoryObjects();
  const store = new EncryptingObjectStore(stored, keyring);
  const { size } = await store.put('f.ndjson', Readable.from([plain]), 'application/fhir+ndjson');
  expect(size).toBe(plain.length);
  const bytes = await read(await stored.get('f.ndjson'));
  const replace = (next: Buffer) => stored.put('f.ndjson', next, 'application/fhir+ndjson');
  return { stored, store, bytes, replace };
}

const segmentAt = (n: number) => HEADER_BYTES + n * SEALED_SEGMENT_BYTES;

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

/** Stored segments `a` and `b` (both full) trade places. */
function swap(bytes: Buffer, a: number, b: number): Buffer {
  const copy = Buffer.from(bytes);
  bytes.copy(copy, segmentAt(a), segmentAt(b), segmentAt(b + 1));
  bytes.copy(copy, segmentAt(b), segmentAt(a), segmentAt(a + 1));
  return copy;
}

const sizes = [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 5 * SEGMENT_BYTES + 123];

describe('EncryptingObjectStore', () => {
  it.each(sizes)('returns the exact %i bytes put, stats their size, and stores no plaintext', async (length) => {
    const plain = Buffer.from('Smith,'.repeat(Math.ceil(length / 6) + 1)).subarray(0, length);
    const { store, bytes } = await sealed(plain);
    expect((await read(await store.get('f.ndjson'))).equals(plain)).toBe(true);
    expect((await store.stat('f.ndjson'))?.size).toBe(length);
    expect(bytes.includes(Buffer.from('Smith'))).toBe(false);
  });

  it('accepts strings, Buffers and streams of small chunks alike', async () => {
    const store = new EncryptingObjectStore(new MemoryObjects(), [keyA]);
    const text = 'é'.repeat(70_000);
    await store.put('s', text, 'text/plain');
    await store.put('b', Buffer.from(text), 'text/plain');
    await store.put('r', Readable.from(text.match(/.{1,1000}/gs)!), 'text/plain');
    for (const key of ['s', 'b', 'r']) expect(await store.getText(key)).toBe(text);
  });

  it('returns exactly the bytes of any range, within, across and at the end of segments', async () => {
    const plain = randomBytes(3 * SEGMENT_BYTES + 10);
    const { store } = await sealed(plain);
    const last = plain.length - 1;
    const ranges = [
      [0, 0],
      [5, 99],
      [SEGMENT_BYTES - 3, SEGMENT_BYTES + 2],
      [SEGMENT_BYTES, 2 * SEGMENT_BYTES - 1],
      [10, 2 * SEGMENT_BYTES + 7],
      [3 * SEGMENT_BYTES, last],
      [last, last],
      [0, last],
    ] as const;
    for (const [start, end] of ranges) {
      const got = await read(await store.get('f.ndjson', { start, end }));
      expect(got.equals(plain.subarray(start, end + 1))).toBe(true);
    }
  });

  describe('refuses altered objects before their first byte', () => {
    const plain = randomBytes(4 * SEGMENT_BYTES + 500);

    const tampered: Array<[string, (bytes: Buffer) => Buffer]> = [
      ['a flipped byte in the first segment', (b) => flip(b, segmentAt(0) + 10)],
      ['a flipped byte in the header', (b) => flip(b, HEADER_BYTES - 3)],
      ['a changed nonce prefix', (b) => flip(b, 40)],
      ['two segments swapped', (b) => swap(b, 0, 1)],
      ['not an encrypted object', () => Buffer.from('{"resourceType":"Patient"}\n')],
    ];
    it.each(tampered)('%s', async (_name, change) => {
      const { store, bytes, replace } = await sealed(plain);
      await replace(change(bytes));
      await expect(store.get('f.ndjson')).rejects.toThrow(ObjectIntegrityError);
    });
  });

  describe('fails altered objects mid-stream, having released only verified segments', () => {
    const plain = randomBytes(4 * SEGMENT_BYTES + 500);

    const tampered: Array<[string, (bytes: Buffer) => Buffer, number]> = [
      ['a flipped byte in the middle', (b) => flip(b, segmentAt(2) + 100), 2],
      ['segments 2 and 3 swapped', (b) => swap(b, 2, 3), 2],
      ['truncated by the last segment', (b) => b.subarray(0, segmentAt(4)), 3],
      ['truncated inside the last segment', (b) => b.subarray(0, b.length - 20), 4],
      ['extended by a copy of a segment', (b) => Buffer.concat([b, b.subarray(segmentAt(1), segmentAt(2))]), 4],
      ['a last segment duplicated', (b) => Buffer.concat([b, b.subarray(segmentAt(4))]), 4],
    ];
    it.each(tampered)('%s', async (_name, change, verifiedSegments) => {
      const { store, bytes, replace } = await sealed(plain);
      await replace(change(bytes));
      const received: Buffer[] = [];
      const stream = await store.get('f.ndjson');
      await expect(
        (async () => {
          for await (const chunk of stream) received.push(chunk as Buffer);
        })(),
      ).rejects.toThrow(ObjectIntegrityError);
      const got = Buffer.concat(received);
      expect(got.length).toBeLessThanOrEqual(verifiedSegments * SEGMENT_BYTES);
      expect(got.equals(plain.subarray(0, got.length))).toBe(true);
    });
  });

  it('fails a range read of a segment that does not authenticate at its place', async () => {
    const plain = randomBytes(3 * SEGMENT_BYTES);
    const { store, bytes, replace } = await sealed(plain);
    await replace(flip(bytes, segmentAt(1) + 7));
    await expect(store.get('f.ndjson', { start: SEGMENT_BYTES + 1, end: SEGMENT_BYTES + 5 })).rejects.toThrow(
      /segment 1 does not authenticate/,
    );
  });

  it('refuses a stored size no encryption produces, as soon as it is stat-ed', async () => {
    const { store, bytes, replace } = await sealed(randomBytes(SEGMENT_BYTES * 2));
    await replace(bytes.subarray(0, HEADER_BYTES + SEALED_SEGMENT_BYTES + 5));
    await expect(store.stat('f.ndjson')).rejects.toThrow(/is not the size of an encrypted object/);
  });

  it('keeps objects of an older master key readable after rotation, and seals new ones with the newest', async () => {
    const stored = new MemoryObjects();
    await new EncryptingObjectStore(stored, [keyA]).put('old', 'written under A', 'text/plain');
    const rotated = new EncryptingObjectStore(stored, [keyA, keyB]);
    await rotated.put('new', 'written under B', 'text/plain');
    expect(await rotated.getText('old')).toBe('written under A');
    expect(await rotated.getText('new')).toBe('written under B');
    expect(await new EncryptingObjectStore(stored, [keyB]).getText('new')).toBe('written under B');
  });

  it('names the key id of an object whose master key is not in the keyring', async () => {
    const stored = new MemoryObjects();
    await new EncryptingObjectStore(stored, [keyA]).put('old', 'written under A', 'text/plain');
    const without = new EncryptingObjectStore(stored, [keyB]);
    await expect(without.get('old')).rejects.toThrow(UnknownMasterKeyError);
    await expect(without.getText('old')).rejects.toThrow(
      'old is encrypted with master key "key-a", which is not in OBJECT_ENCRYPTION_KEYS',
    );
  });

  it('refuses an object copied to another name (the name is authenticated with its data key)', async () => {
    const { stored, store, bytes } = await sealed(randomBytes(100));
    await stored.put('other.ndjson', bytes, 'application/fhir+ndjson');
    await expect(store.get('other.ndjson')).rejects.toThrow(/other.ndjson failed its integrity check: its header/);
  });

  it('refuses a master key of the same id but other bytes', async () => {
    const stored = new MemoryObjects();
    await new EncryptingObjectStore(stored, [keyA]).put('old', 'written under A', 'text/plain');
    const impostor = new EncryptingObjectStore(stored, [{ id: 'key-a', key: randomBytes(32) }]);
    await expect(impostor.getText('old')).rejects.toThrow(/does not authenticate with master key "key-a"/);
  });
});

describe('EncryptingObjectStore writes', () => {
  it('fails the put, with no unhandled error, when the body fails before it is read', async () => {
    const store = new EncryptingObjectStore(new MemoryObjects(), [keyA]);
    const body = new PassThrough();
    body.destroy(new Error('the writer failed'));
    await expect(store.put('f', body, 'text/plain')).rejects.toThrow('the writer failed');
  });
});
