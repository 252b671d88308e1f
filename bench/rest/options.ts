import { parseArgs } from 'node:util';
import { SIZE_OPTIONS, wholeNumber } from '../lib/options';

export interface RestBenchOptions {
  /** Resources in the tenant; the figure is 1,000,000, the default loads in under a minute. */
  resources: number;
  keep: boolean;
  skipLoad: boolean;
  /** How long each operation is measured, after a warm-up of WARMUP_SECONDS. */
  seconds: number;
  /** Concurrent writers of the second update run (the first is sequential). */
  writers: number;
  pollers: number;
  /** Exports running while the pollers poll. */
  jobs: number;
}

export function parseRestOptions(args: string[]): RestBenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      ...SIZE_OPTIONS,
      resources: { type: 'string', default: '100000' },
      'skip-load': { type: 'boolean', default: false },
      seconds: { type: 'string', default: '30' },
      writers: { type: 'string', default: '4' },
      pollers: { type: 'string', default: '100' },
      jobs: { type: 'string', default: '3' },
    },
  });
  const resources = wholeNumber('resources', values.resources, 1);
  const writers = wholeNumber('writers', values.writers, 1);
  // Each writer updates its own share of the resources (operations.ts).
  if (writers > resources) throw new Error(`--writers ${writers} is more than the ${resources} resources`);
  return {
    resources,
    keep: values.keep,
    skipLoad: values['skip-load'],
    seconds: wholeNumber('seconds', values.seconds, 1),
    writers,
    pollers: wholeNumber('pollers', values.pollers, 1),
    jobs: wholeNumber('jobs', values.jobs, 1),
  };
}
