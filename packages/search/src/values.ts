/** Value normalizations shared by extraction (write time) and translation (query time): both must agree exactly. */

/**
 * The form string search compares: lower case, accents stripped (NFD then drop combining marks), so `Smíth`,
 * `SMITH` and `smith` all store and query as `smith`.
 */
export function normalizeString(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The stored form of a reference: `Type/id` as given for relative references (a version suffix dropped), the last
 * two segments of an absolute URL (`https://x/fhir/Patient/1` -> `Patient/1`). Contained (`#x`) references
 * point inside the resource and are not indexed; other strings (`urn:uuid:...`, canonicals without `Type/id`
 * tail) are kept verbatim.
 */
export function normalizeReference(reference: string): string | undefined {
  if (reference === '' || reference.startsWith('#')) return undefined;
  const withoutVersion = reference.replace(/\/_history\/[^/]*$/, '');
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(withoutVersion)) return withoutVersion;
  const tail = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(withoutVersion.replace(/[?#].*$/, ''));
  return tail?.[1] ?? withoutVersion;
}

/** The resource type of a normalized reference (`Patient/1` -> `Patient`), if it has one. */
export function referenceType(reference: string): string | undefined {
  return /^([A-Z][A-Za-z]+)\/[^/]+$/.exec(reference)?.[1];
}

/**
 * Splits a search value on a separator not escaped with `\` (FHIR escapes `\,`, `\|`, `\$` and `\\`); the parts
 * keep their escapes, so a later split on another separator still sees them. Use `unescapeValue` last.
 */
export function splitUnescaped(value: string, separator: ',' | '|'): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const char = value.charAt(i);
    if (char === '\\' && i + 1 < value.length) {
      current += char + value.charAt(++i);
    } else if (char === separator) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

export function unescapeValue(value: string): string {
  return value.replace(/\\([\\,|$])/g, '$1');
}

/** Makes user input literal inside a regular expression. */
export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
