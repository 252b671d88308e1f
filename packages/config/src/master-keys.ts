/** One master key of OBJECT_ENCRYPTION_KEYS: an id (stored in every object it wraps) and 32 bytes of AES-256 key. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/** Key ids are stored in a fixed-size field of each object's header, so they are short and plain. */
const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Why `entry` is not `id:base64` of a 32-byte key, or undefined when it is; never quotes the key. */
export function masterKeyProblem(entry: string): string | undefined {
  const at = entry.indexOf(':');
  if (at < 0) return 'is not id:base64';
  const id = entry.slice(0, at);
  if (!KEY_ID.test(id)) return 'has a key id that is not 1-32 letters, digits, _ . or -';
  const encoded = entry.slice(at + 1);
  if (!BASE64.test(encoded)) return `(key id ${id}) is not base64`;
  const length = Buffer.from(encoded, 'base64').length;
  return length === 32 ? undefined : `(key id ${id}) decodes to ${length} bytes, not 32`;
}

/** The keyring of validated OBJECT_ENCRYPTION_KEYS entries, oldest first. */
export function parseMasterKeys(entries: string[]): MasterKey[] {
  return entries.map((entry) => {
    const problem = masterKeyProblem(entry);
    if (problem) throw new Error(`OBJECT_ENCRYPTION_KEYS: an entry ${problem}`);
    const at = entry.indexOf(':');
    return { id: entry.slice(0, at), key: Buffer.from(entry.slice(at + 1), 'base64') };
  });
}
