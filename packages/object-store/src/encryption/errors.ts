/**
 * An encrypted object failed authentication: a byte changed, segments were cut off, added or moved, or the object
 * is not one this server encrypted. Nothing it holds is trusted, so none of its plaintext is returned.
 */
export class ObjectIntegrityError extends Error {
  constructor(key: string, why: string) {
    super(`${key} failed its integrity check: ${why}`);
    this.name = 'ObjectIntegrityError';
  }
}

/** An encrypted object names a master key that OBJECT_ENCRYPTION_KEYS no longer (or never) held. */
export class UnknownMasterKeyError extends Error {
  constructor(
    key: string,
    readonly keyId: string,
  ) {
    super(`${key} is encrypted with master key "${keyId}", which is not in OBJECT_ENCRYPTION_KEYS`);
    this.name = 'UnknownMasterKeyError';
  }
}
