import { parseArgs } from 'node:util';
import { SIZE_OPTIONS, wholeNumber } from '../lib/options';

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
  /**
   * After the clean import, the same $import again into the same database (`--reimport`): every resource exists
   * unchanged, so it must add no version; prints its rate beside the first one's.
   */
  reimport: boolean;
}

export function parseImportOptions(args: string[]): ImportBenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      ...SIZE_OPTIONS,
      kills: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '1' },
      reimport: { type: 'boolean', default: false },
    },
  });
  return {
    resources: wholeNumber('resources', values.resources, 1),
    keep: values.keep,
    kills: wholeNumber('kills', values.kills, 0),
    rounds: wholeNumber('rounds', values.rounds, 1),
    reimport: values.reimport,
  };
}
