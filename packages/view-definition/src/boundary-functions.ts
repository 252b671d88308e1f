import { FP_Decimal, util } from 'fhirpath';

/** fhirpath.js's values that have boundaries (FP_Decimal, FP_DateTime, FP_Date, FP_Time), as far as used here. */
interface Bounded {
  lowBoundary(precision?: number): Bounded | null;
  highBoundary(precision?: number): Bounded | null;
  toString(): string;
}
type Side = 'lowBoundary' | 'highBoundary';
/** The evaluation context fhirpath.js calls a user function with: it makes decimals in the evaluation's math mode. */
interface Context {
  getDecimal(value: number | bigint): Bounded;
}

/**
 * The earliest and latest offsets there are. A dateTime without one could be in any zone, so its boundaries are
 * the instants at the far ends: FHIRPath's official tests expect `@2014-01-01T08.lowBoundary(17)` to be
 * `@2014-01-01T08:00:00.000+14:00`, and SQL on FHIR's fn_boundary the same of a `valueDateTime` (the FHIRPath
 * text's own example shows no offset). fhirpath.js leaves the offset out, which bounds no instant.
 */
const EXTREME_OFFSET: Record<Side, string> = { lowBoundary: '+14:00', highBoundary: '-12:00' };
const HAS_OFFSET = /(?:Z|[+-]\d{2}:\d{2})$/;

/** `lowBoundary([precision])` or `highBoundary([precision])`: fhirpath.js's, with the offset above. */
export const boundaryFunction = (side: Side) =>
  function boundary(this: Context, nodes: unknown[], precision?: unknown): Bounded | [] | null {
    if (nodes.length === 0) return [];
    if (nodes.length > 1) throw new Error(`${side}() needs a single value, not ${nodes.length}`);
    const value: unknown = util.valDataConverted(nodes[0]);
    if (value == null) return [];
    const digits = precision instanceof FP_Decimal ? precision.toNumber() : (precision as number | undefined);
    const bounded = typeof value === 'number' || typeof value === 'bigint' ? this.getDecimal(value) : value;
    if (!isBounded(bounded)) throw new Error(`${side}() needs a Decimal, Date, DateTime or Time`);
    const result = bounded[side](digits);
    if (!result) return result;
    const text = result.toString();
    // Only a dateTime result has a time ('T'), and only when its precision reaches the hour.
    if (!text.includes('T') || HAS_OFFSET.test(text)) return result;
    const DateTime = result.constructor as new (context: Context, text: string) => Bounded;
    return new DateTime(this, text + EXTREME_OFFSET[side]);
  };

const isBounded = (value: unknown): value is Bounded =>
  typeof value === 'object' && value !== null && 'lowBoundary' in value && 'highBoundary' in value;
