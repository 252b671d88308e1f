import { parseArgs } from 'node:util';

export interface ImportBenchOptions {
  /** Resources to generate and import. */
  resources: number;
  /** Leave the databases and the S3 inputs in place for inspection. */
  keep: boolean;
  /** After the clean import, import again with the worker SIGKILLed this many times (0: no such run). */
  kills: number;
  /**
   * Clean and killed imports alternate this many times, each killed one compared with the clean one just before it:
   * on this machine a clean import's time alone varies by ±8 % between runs, as much as two kills cost.
   */
  rounds: number;
}

export function parseImportOptions(args: string[]): ImportBenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      resources: { type: 'string', default: '1000000' },
      keep: { type: 'boolean', default: false },
      kills: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '1' },
    },
  });
  const kills = Number(values.kills);
  if (!Number.isSafeInteger(kills) || kills < 0)
    throw new Error(`--kills must be a whole number ≥ 0, got ${values.kills}`);
  const rounds = Number(values.rounds);
  if (!Number.isSafeInteger(rounds) || rounds < 1)
    throw new Error(`--rounds must be a whole number ≥ 1, got ${values.rounds}`);
  const resources = Number(values.resources.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(resources) || resources < 1) {
    throw new Error(`--resources must be a whole number ≥ 1, got ${values.resources}`);
  }
  return { resources, keep: values.keep, kills, rounds };
}
