/**
 * Parameter names whose values can be credentials: `$bulk-submit`'s `fileRequestHeader` (an Authorization header)
 * and `fileEncryptionKey` (refused by this server, but a client may still send them), and tokens, keys or passwords
 * a client puts in a URL. An AuditEvent keeps the parameter's name, never its value.
 */
const SECRET = /^(fileRequestHeader|fileEncryptionKey)$|token|secret|password|authorization|assertion|api[-_]?key/i;
export const REDACTED = '[redacted]';

/**
 * A kick-off's Parameters body as JSON, each secret parameter's value (and parts) replaced by `[redacted]`; undefined
 * for a body nested too deep to serialise (a hostile one, which body-shape refuses with 400: its refusal is still
 * recorded, without the body).
 */
export function redactedParameters(body: unknown): string | undefined {
  try {
    return JSON.stringify(body, (_key, value: unknown) => {
      if (!isNamedParameter(value) || !SECRET.test(value.name)) return value;
      return { name: value.name, valueString: REDACTED };
    });
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** A query string (without `?`), each secret parameter's value replaced by `[redacted]`; as sent otherwise. */
export function redactedQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const name = pair.split('=', 1)[0]!;
      return SECRET.test(safeDecode(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
}

const isNamedParameter = (value: unknown): value is { name: string } =>
  typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
