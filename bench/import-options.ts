import { parseArgs } from 'node:util';

export interface ImportBenchOptions {
  /** Resources to generate and import. */
  resources: number;
  /** Leave the databases and the S3 inputs in place for inspection. */
  keep: boolean;
}

export function parseImportOptions(args: string[]): ImportBenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      resources: { type: 'string', default: '1000000' },
      keep: { type: 'boolean', default: false },
    },
  });
  const resources = Number(values.resources.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(resources) || resources < 1) {
    throw new Error(`--resources must be a whole number ≥ 1, got ${values.resources}`);
  }
  return { resources, keep: values.keep };
}
