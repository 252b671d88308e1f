import { FP_Decimal } from 'fhirpath';
import { parse } from 'lossless-json';

/**
 * JSON text to values for a view to evaluate, keeping each decimal as written. `JSON.parse` reads `1.0` as 1, so
 * FHIRPath functions that depend on a decimal's precision (`lowBoundary()`, `highBoundary()`, `toString()`) would
 * see `1`: `1.0.lowBoundary()` is 0.95, `1.lowBoundary()` 0.5. A number whose text says more than the JS number
 * (trailing zeros, an exponent, more digits than a double holds) becomes fhirpath.js's `FP_Decimal` of that text,
 * as fhirpath.js documents for lossless input; every other number stays a number.
 *
 * For evaluation only, never to store: those decimals are objects (`JSON.stringify` writes them as numbers, losing
 * the text again). Text without such a number is parsed by `JSON.parse`, which is several times faster.
 */
export function parseWithExactDecimals(text: string): unknown {
  return hasInexactNumber(text) ? parse(text, null, exactNumber) : JSON.parse(text);
}

/** The number, or its text as a decimal when the number would lose something the text says. */
function exactNumber(text: string): number | FP_Decimal {
  const number = Number(text);
  return String(number) === text ? number : FP_Decimal.getDecimal(text);
}

/** JSON strings (skipped whole, so digits inside them never count) and number tokens, in the order they come. */
const TOKENS = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d[\d.eE+-]*/g;

/** Whether some number in the JSON text (outside its strings) would lose something when read as a JS number. */
export function hasInexactNumber(text: string): boolean {
  for (const [token] of text.matchAll(TOKENS)) {
    if (token.startsWith('"')) continue;
    if (String(Number(token)) !== token) return true;
  }
  return false;
}
