import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ObjectIntegrityError } from './errors';
import { HEADER_BYTES, NONCE_PREFIX_BYTES, type ObjectKey } from './header';

/**
 * The streaming AEAD after Tink's AES-GCM-HKDF streaming construction: the plaintext is cut in 64 KiB segments,
 * each sealed with AES-256-GCM under the object's data key with the nonce
 *
 *   nonce prefix (7 bytes, per object) | segment index (4 bytes, big-endian) | 1 if the last segment, else 0
 *
 * so a segment only opens at its own position, and only the real last segment opens as the last one: moved,
 * dropped or appended segments fail their tag. A segment's plaintext is released only after its tag verified.
 * Every object has at least one (possibly empty) segment.
 */
export const SEGMENT_BYTES = 64 * 1024;
const TAG_BYTES = 16;
export const SEALED_SEGMENT_BYTES = SEGMENT_BYTES + TAG_BYTES;
const MAX_SEGMENTS = 2 ** 32;

function nonce(key: ObjectKey, index: number, last: boolean): Buffer {
  const bytes = Buffer.alloc(NONCE_PREFIX_BYTES + 5);
  key.noncePrefix.copy(bytes, 0);
  bytes.writeUInt32BE(index, NONCE_PREFIX_BYTES);
  bytes[NONCE_PREFIX_BYTES + 4] = last ? 1 : 0;
  return bytes;
}

export function sealSegment(key: ObjectKey, index: number, last: boolean, plain: Buffer): Buffer {
  if (index >= MAX_SEGMENTS) throw new Error('object too large to encrypt (2^32 segments)');
  const cipher = createCipheriv('aes-256-gcm', key.dataKey, nonce(key, index, last));
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

export function openSegment(key: ObjectKey, index: number, last: boolean, sealed: Buffer, name: string): Buffer {
  if (sealed.length < TAG_BYTES) throw new ObjectIntegrityError(name, `segment ${index} is cut short`);
  const decipher = createDecipheriv('aes-256-gcm', key.dataKey, nonce(key, index, last));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    const where = last ? 'the last segment' : `segment ${index}`;
    throw new ObjectIntegrityError(name, `${where} does not authenticate (changed, moved, cut off or extended)`);
  }
  return plain;
}

/** Bytes stored for `plainSize` bytes of plaintext. */
export function sealedSize(plainSize: number): number {
  return HEADER_BYTES + segmentCount(plainSize) * TAG_BYTES + plainSize;
}

const segmentCount = (plainSize: number) => Math.max(1, Math.ceil(plainSize / SEGMENT_BYTES));

/** The plaintext size of a stored object of `size` bytes; undefined when no encryption produces that size. */
export function plainSize(size: number): number | undefined {
  const body = size - HEADER_BYTES;
  if (body < TAG_BYTES) return undefined;
  const segments = Math.ceil(body / SEALED_SEGMENT_BYTES);
  const lastSealed = body - (segments - 1) * SEALED_SEGMENT_BYTES;
  return lastSealed < TAG_BYTES ? undefined : body - segments * TAG_BYTES;
}

/** Which segments hold plaintext bytes `start`..`end` (inclusive), and where they are stored. */
export function segmentsCovering(start: number, end: number, plain: number) {
  const first = Math.floor(start / SEGMENT_BYTES);
  const last = Math.floor(end / SEGMENT_BYTES);
  return {
    first,
    last,
    endsObject: last === segmentCount(plain) - 1,
    stored: {
      start: HEADER_BYTES + first * SEALED_SEGMENT_BYTES,
      end: Math.min(HEADER_BYTES + (last + 1) * SEALED_SEGMENT_BYTES, sealedSize(plain)) - 1,
    },
  };
}

/**
 * `plain` sealed as the segments from `first` on, in 64 KiB pieces. With `endsObject` the final piece (empty for an
 * empty object) is sealed as the last segment; without, `plain` must be whole segments, as every part of a
 * multipart upload but the last is.
 */
export function sealSegments(key: ObjectKey, first: number, plain: Buffer, endsObject: boolean): Buffer[] {
  if (!endsObject && (plain.length === 0 || plain.length % SEGMENT_BYTES !== 0)) {
    throw new RangeError(`${plain.length} bytes are not whole segments`);
  }
  const count = endsObject ? Math.max(1, Math.ceil(plain.length / SEGMENT_BYTES)) : plain.length / SEGMENT_BYTES;
  return Array.from({ length: count }, (_, i) => {
    const piece = plain.subarray(i * SEGMENT_BYTES, (i + 1) * SEGMENT_BYTES);
    return sealSegment(key, first + i, endsObject && i === count - 1, piece);
  });
}

/** Plaintext chunks (of a stream, a string or a Buffer) → the header, then sealed segments, with bounded memory. */
export async function* sealStream(
  plain: AsyncIterable<Buffer | string>,
  key: ObjectKey & { header: Buffer },
): AsyncGenerator<Buffer> {
  yield key.header;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  for await (const chunk of plain) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    pending.push(bytes);
    pendingBytes += bytes.length;
    // A full segment is sealed as "not last" only once a byte after it is known to exist.
    if (pendingBytes <= SEGMENT_BYTES) continue;
    const joined = Buffer.concat(pending, pendingBytes);
    let at = 0;
    for (; joined.length - at > SEGMENT_BYTES; at += SEGMENT_BYTES) {
      yield sealSegment(key, index++, false, joined.subarray(at, at + SEGMENT_BYTES));
    }
    pending = [joined.subarray(at)];
    pendingBytes = joined.length - at;
  }
  yield sealSegment(key, index, true, Buffer.concat(pending, pendingBytes));
}

/**
 * Stored segments `first`.. (as a stream of arbitrary chunks) → their plaintext, one verified segment at a time.
 * `endsObject`: the stream's final segment is the object's last (a whole-object read, or a range reaching the end).
 */
export async function* openSegments(
  sealed: AsyncIterable<Buffer>,
  key: ObjectKey,
  first: number,
  endsObject: boolean,
  name: string,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = first;
  for await (const chunk of sealed) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes <= SEALED_SEGMENT_BYTES) continue;
    const joined = Buffer.concat(pending, pendingBytes);
    let at = 0;
    for (; joined.length - at > SEALED_SEGMENT_BYTES; at += SEALED_SEGMENT_BYTES) {
      yield openSegment(key, index++, false, joined.subarray(at, at + SEALED_SEGMENT_BYTES), name);
    }
    pending = [joined.subarray(at)];
    pendingBytes = joined.length - at;
  }
  if (!endsObject && pendingBytes !== SEALED_SEGMENT_BYTES) {
    throw new ObjectIntegrityError(name, `segment ${index} is cut short`);
  }
  yield openSegment(key, index, endsObject, Buffer.concat(pending, pendingBytes), name);
}
