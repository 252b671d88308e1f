/**
 * What any FHIR JSON body or NDJSON line must be before anything else looks at it: bounded nesting (validators and
 * evaluators recurse, and a deep body would overflow their stack), no array directly inside an array (FHIR JSON has
 * none, and FerretDB cannot store them), numbers a double holds (`1e999` parses to Infinity, which JSON cannot write
 * back and the store refuses), and strings that FHIR allows and the store can hold: no control characters but tab,
 * newline and carriage return, and no lone UTF-16 surrogates (which are no Unicode text at all). One iterative walk,
 * so the check itself cannot overflow.
 */
export const MAX_JSON_DEPTH = 100;

export interface JsonShapeProblem {
  /** FHIRPath-like location: `Patient.name[0].given[1]` (the root named by `root`). */
  path: string;
  message: string;
}

// Control characters other than \t \n \r, and (in `u` mode a surrogate pair is one code point, so only) lone
// surrogates.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const BAD_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF]/u;

interface Frame {
  value: unknown;
  depth: number;
  parent?: Frame;
  /** How the parent reaches this value: a property name or an array index. */
  step?: string | number;
}

/** The first problem of `value`'s shape, or undefined when it is fine. `root` names the top (e.g. its resourceType). */
export function jsonShapeProblem(value: unknown, root = '$'): JsonShapeProblem | undefined {
  const stack: Frame[] = [{ value, depth: 0 }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const { value: current, depth } = frame;
    if (typeof current === 'string') {
      if (BAD_CHARACTER.test(current)) return problem(frame, root, characterMessage(current));
      continue;
    }
    if (typeof current === 'number' && !Number.isFinite(current)) return problem(frame, root, NOT_FINITE);
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_JSON_DEPTH) return problem(frame, root, `nests deeper than ${MAX_JSON_DEPTH} levels`);
    if (Array.isArray(current)) {
      // A numeric step means the parent is an array too.
      if (typeof frame.step === 'number') return problem(frame, root, NESTED_ARRAY);
      for (let i = current.length - 1; i >= 0; i--) {
        stack.push({ value: current[i], depth: depth + 1, parent: frame, step: i });
      }
      continue;
    }
    const entries = Object.entries(current);
    for (const [key] of entries) {
      if (BAD_CHARACTER.test(key)) return problem(frame, root, `has a property name that ${characterMessage(key)}`);
    }
    // Pushed last to first, so they are checked in document order and the first problem found is the first one.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      stack.push({ value: item, depth: depth + 1, parent: frame, step: key });
    }
  }
  return undefined;
}

const NESTED_ARRAY = 'is an array inside an array, which FHIR JSON never has';
const NOT_FINITE = 'is a number beyond the range of a double';

/** Why `text` is no FHIR string (a control character or a lone surrogate), or undefined when it is one. */
export const textProblem = (text: string): string | undefined =>
  BAD_CHARACTER.test(text) ? characterMessage(text) : undefined;

function characterMessage(text: string): string {
  const point = BAD_CHARACTER.exec(text)![0].codePointAt(0)!;
  const code = point.toString(16).toUpperCase().padStart(4, '0');
  return point >= 0xd800
    ? `contains an unpaired UTF-16 surrogate (U+${code}), which is not text`
    : `contains the control character U+${code}, which FHIR strings must not`;
}

function problem(frame: Frame, root: string, message: string): JsonShapeProblem {
  const steps: Array<string | number> = [];
  for (let at: Frame | undefined = frame; at?.parent; at = at.parent) steps.push(at.step!);
  const path = steps
    .reverse()
    .map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`))
    .join('');
  return { path: `${root}${path}`, message };
}
