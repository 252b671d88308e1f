import type { MasterKey } from '@fhir-bulk/config';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ObjectIntegrityError, UnknownMasterKeyError } from './errors';

/**
 * The fixed-size header in front of every encrypted object:
 *
 *   magic "FBE" | version (1) | key id length (1) | key id, zero-padded (32) | nonce prefix (7)
 *   | wrap nonce (12) | data key wrapped by the master key with AES-256-GCM (32 + 16-byte tag)
 *
 * The wrap authenticates everything before the wrap nonce, and the object's key (its name in the bucket), as
 * associated data: a changed key id, version or nonce prefix, or an object copied or moved to another name, makes
 * the object unreadable rather than read differently. A fixed size lets a reader compute the
 * plaintext size from the object's size and find any segment without reading the ones before it.
 */
const MAGIC = Buffer.from('FBE', 'latin1');
const VERSION = 1;
const KEY_ID_FIELD_BYTES = 32;
export const NONCE_PREFIX_BYTES = 7;
const WRAP_NONCE_BYTES = 12;
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;

const KEY_ID_AT = MAGIC.length + 2;
const NONCE_PREFIX_AT = KEY_ID_AT + KEY_ID_FIELD_BYTES;
const WRAP_NONCE_AT = NONCE_PREFIX_AT + NONCE_PREFIX_BYTES;
const WRAPPED_AT = WRAP_NONCE_AT + WRAP_NONCE_BYTES;
export const HEADER_BYTES = WRAPPED_AT + DATA_KEY_BYTES + TAG_BYTES;

/** What one object's segments are sealed with: its own random data key and nonce prefix. */
export interface ObjectKey {
  dataKey: Buffer;
  noncePrefix: Buffer;
}

/** The associated data of the wrap: the header up to the wrap nonce, then the object's name. */
const wrapAad = (header: Buffer, name: string) => Buffer.concat([header.subarray(0, WRAP_NONCE_AT), Buffer.from(name)]);

/**
 * A fresh data key and nonce prefix for the object `name`, and the header that carries them wrapped by `master`.
 */
export function newObjectKey(master: MasterKey, name: string): ObjectKey & { header: Buffer } {
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const noncePrefix = randomBytes(NONCE_PREFIX_BYTES);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[MAGIC.length] = VERSION;
  header[MAGIC.length + 1] = header.write(master.id, KEY_ID_AT, KEY_ID_FIELD_BYTES, 'latin1');
  noncePrefix.copy(header, NONCE_PREFIX_AT);
  const wrapNonce = randomBytes(WRAP_NONCE_BYTES);
  wrapNonce.copy(header, WRAP_NONCE_AT);
  const wrap = createCipheriv('aes-256-gcm', master.key, wrapNonce).setAAD(wrapAad(header, name));
  Buffer.concat([wrap.update(dataKey), wrap.final(), wrap.getAuthTag()]).copy(header, WRAPPED_AT);
  return { dataKey, noncePrefix, header };
}

/** The data key in the header of the object `name`, unwrapped by the master key the header names. */
export function openHeader(header: Buffer, keyring: readonly MasterKey[], name: string): ObjectKey {
  if (header.length < HEADER_BYTES) throw new ObjectIntegrityError(name, 'shorter than its header');
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw new ObjectIntegrityError(name, 'no encryption header');
  if (header[MAGIC.length] !== VERSION)
    throw new ObjectIntegrityError(name, `unknown format version ${header[MAGIC.length]}`);
  const idLength = Math.min(header[MAGIC.length + 1]!, KEY_ID_FIELD_BYTES);
  const keyId = header.toString('latin1', KEY_ID_AT, KEY_ID_AT + idLength);
  const master = keyring.find((candidate) => candidate.id === keyId);
  if (!master) throw new UnknownMasterKeyError(name, keyId);
  const unwrap = createDecipheriv('aes-256-gcm', master.key, header.subarray(WRAP_NONCE_AT, WRAPPED_AT))
    .setAAD(wrapAad(header, name))
    .setAuthTag(header.subarray(WRAPPED_AT + DATA_KEY_BYTES, HEADER_BYTES));
  try {
    const dataKey = Buffer.concat([
      unwrap.update(header.subarray(WRAPPED_AT, WRAPPED_AT + DATA_KEY_BYTES)),
      unwrap.final(),
    ]);
    return { dataKey, noncePrefix: Buffer.from(header.subarray(NONCE_PREFIX_AT, WRAP_NONCE_AT)) };
  } catch {
    throw new ObjectIntegrityError(
      name,
      `its header does not authenticate with master key "${keyId}" (changed, or moved from another name)`,
    );
  }
}
