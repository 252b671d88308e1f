import { isObject } from '@fhir-bulk/fhir';
import { hasInexactNumber, parseWithExactDecimals } from '@fhir-bulk/view-definition';
import type { IncomingMessage } from 'node:http';

/**
 * The text of `$viewdefinition-run` bodies, kept by the JSON parser's `verify` step (app.ts) for as long as the
 * request lives: JSON.parse reads `1.0` as 1, and the inline resources are read again from the text so that their
 * decimals keep the precision they are written with (`lowBoundary()` of 1.0 is 0.95, of 1 it is 0.5).
 */
const texts = new WeakMap<IncomingMessage, Buffer>();

export function keepViewRunText(req: IncomingMessage, body: Buffer): void {
  if (/\/\$viewdefinition-run(?:\?|$)/.test(req.url ?? '')) texts.set(req, body);
}

/**
 * The parsed body, each parameter's `resource` taken from the text with its decimals as written when some number
 * needs it. Only resources: the view and the other parameters stay as JSON.parse reads them, so a `5.0` stays a
 * number where a number is checked.
 */
export function withExactResources(req: IncomingMessage, body: unknown): unknown {
  const text = texts.get(req)?.toString('utf8');
  if (text === undefined || !hasInexactNumber(text) || !isObject(body) || !Array.isArray(body.parameter)) return body;
  let exact: unknown;
  try {
    exact = parseWithExactDecimals(text);
  } catch {
    // lossless-json refuses a repeated key that JSON.parse takes the last of: keep JSON.parse's reading.
    return body;
  }
  const exactParameters: unknown[] = isObject(exact) && Array.isArray(exact.parameter) ? exact.parameter : [];
  const parameter = body.parameter.map((p: unknown, i) => {
    const twin = exactParameters[i];
    return isObject(p) && p.resource !== undefined && isObject(twin) ? { ...p, resource: twin.resource } : p;
  });
  return { ...body, parameter };
}
