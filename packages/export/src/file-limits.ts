/**
 * When an output file rolls over to the next: at a record limit per type or at a byte limit, whichever comes
 * first. Defaults come from the product brief's sizing (a file per 100,000 Patients, per 1,000,000 Observations…).
 */
export const DEFAULT_RECORD_LIMITS: Readonly<Record<string, number>> = {
  Patient: 100_000,
  Observation: 1_000_000,
  Condition: 500_000,
  MedicationRequest: 750_000,
};
export const DEFAULT_RECORD_LIMIT = 500_000;

export interface FileLimits {
  records: number;
  bytes: number;
}

/** Parses `Type=n,Type=n` (plus `*=n` for every other type) over the defaults; throws on anything malformed. */
export function parseRecordLimits(spec: string): Record<string, number> {
  const limits: Record<string, number> = { ...DEFAULT_RECORD_LIMITS, '*': DEFAULT_RECORD_LIMIT };
  for (const item of spec.split(',').filter((s) => s.trim() !== '')) {
    const match = /^\s*([A-Za-z]+|\*)\s*=\s*(\d+)\s*$/.exec(item);
    if (!match || Number(match[2]) < 1) throw new Error(`bad record limit "${item}": expected Type=positive integer`);
    limits[match[1]!] = Number(match[2]);
  }
  return limits;
}

export function fileLimitsFor(type: string, recordLimits: Record<string, number>, maxBytes: number): FileLimits {
  return { records: recordLimits[type] ?? recordLimits['*'] ?? DEFAULT_RECORD_LIMIT, bytes: maxBytes };
}
