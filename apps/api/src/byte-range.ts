import type { ByteRange } from '@fhir-bulk/object-store';

/** One `first-last`, `first-` or `-suffix` byte range; a list of several does not match. */
const SINGLE_RANGE = /^bytes=\s*(\d*)-(\d*)\s*$/i;

/**
 * The part of an object of `size` bytes that a `Range` header asks for (RFC 9110 §14.1.2): undefined means the
 * whole object, 'unsatisfiable' that it asks for no byte the object has (→ 416).
 *
 * Several ranges get the whole object: RFC 9110 §14.2 lets a server ignore Range, which saves a multipart/byteranges
 * body that bulk clients, resuming a download with one open-ended range, never ask for. Malformed or non-byte ranges
 * are ignored likewise.
 *
 * Written here rather than taken from range-parser (what Express's req.range uses): its 1.x answers "unsatisfiable"
 * to a suffix longer than the object (RFC 9110 says: all of it) and to a reversed range (RFC 9110 says: ignore the
 * header), both of which the download tests send; its 2.0, which fixes both, is ESM-only and requires Node 22.
 */
export function byteRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header === undefined ? null : SINGLE_RANGE.exec(header);
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '') {
    if (last === '') return undefined;
    // A suffix longer than the object means all of it.
    const suffix = Number(last);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}
