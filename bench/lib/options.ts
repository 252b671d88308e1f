import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Resources in the large tenant; the small one holds a tenth. */
  resources: number;
  /** Leave the loaded data in place for a later `--skip-load` run. */
  keep: boolean;
  /** Reuse the data of an earlier `--keep` run when its counts match instead of loading again. */
  skipLoad: boolean;
}

export function parseOptions(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      resources: { type: 'string', default: '1000000' },
      keep: { type: 'boolean', default: false },
      'skip-load': { type: 'boolean', default: false },
    },
  });
  const resources = Number(values.resources.replace(/[_,]/g, ''));
  // Below 10 the tenth-sized tenant would be empty and the RSS comparison meaningless.
  if (!Number.isSafeInteger(resources) || resources < 10) {
    throw new Error(`--resources must be a whole number ≥ 10, got ${values.resources}`);
  }
  return { resources, keep: values.keep, skipLoad: values['skip-load'] };
}
