import { parseArgs } from 'node:util';

/** The options every benchmark takes: `--resources N` and `--keep`. */
export const SIZE_OPTIONS = {
  resources: { type: 'string', default: '1000000' },
  keep: { type: 'boolean', default: false },
} as const;

/** The options of the export and Parquet benchmarks. */
export interface BenchOptions {
  /** Resources in the large tenant; the small one holds a tenth. */
  resources: number;
  /** Leave the loaded data in place for a later `--skip-load` run. */
  keep: boolean;
  /** Reuse the data of an earlier `--keep` run when its counts match instead of loading again. */
  skipLoad: boolean;
  /** Export benchmark only (`--encryption`): also export N with OBJECT_ENCRYPTION=on, against plain exports of N. */
  encryption: boolean;
  /** Export benchmark only (`--workers N`): worker processes on the task queue during each export. */
  workers: number;
  /**
   * Export benchmark only (`--kills N`): instead of the raw and N/10 comparisons, export N cleanly and then with the
   * worker SIGKILLed N times mid-export (kills.ts), `--rounds` times.
   */
  kills: number;
  rounds: number;
  /**
   * Export benchmark only (`--neighbour K`): instead of N and N/10, export a tenant of N alone, then again beside a
   * tenant K times its size in the same database, and print the ratio of the two times; 0 for the usual run.
   */
  neighbour: number;
}

/**
 * `withEncryption`, `withWorkers`, `withKills`: the benchmark takes `--encryption`, `--workers N`, `--kills N` and
 * `--rounds N` (the export one).
 */
export function parseOptions(
  args: string[],
  { withEncryption = false, withWorkers = false, withKills = false } = {},
): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      ...SIZE_OPTIONS,
      'skip-load': { type: 'boolean', default: false },
      ...(withEncryption ? { encryption: { type: 'boolean', default: false } } : {}),
      ...(withWorkers
        ? { workers: { type: 'string', default: '1' }, neighbour: { type: 'string', default: '0' } }
        : {}),
      ...(withKills ? { kills: { type: 'string', default: '0' }, rounds: { type: 'string', default: '1' } } : {}),
    },
  });
  // Below 10 the tenth-sized tenant would be empty and the RSS comparison meaningless.
  const resources = wholeNumber('resources', values.resources, 10);
  return {
    resources,
    keep: values.keep,
    skipLoad: values['skip-load'],
    encryption: values.encryption === true,
    workers: wholeNumber('workers', typeof values.workers === 'string' ? values.workers : '1', 1),
    kills: wholeNumber('kills', typeof values.kills === 'string' ? values.kills : '0', 0),
    rounds: wholeNumber('rounds', typeof values.rounds === 'string' ? values.rounds : '1', 1),
    neighbour: wholeNumber('neighbour', typeof values.neighbour === 'string' ? values.neighbour : '0', 0),
  };
}

/** Option `--name`'s value as a whole number ≥ `min`; `_` or `,` may group its digits (`1_000_000`). */
export function wholeNumber(name: string, text: string, min: number): number {
  const value = Number(text.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`--${name} must be a whole number ≥ ${min}, got ${text}`);
  return value;
}
