import { jobPrefix } from '@fhir-bulk/export';
import type { BenchServers } from '../lib/bench-servers';
import { BENCH_TYPES, type Dataset } from '../lib/dataset';
import { checkExported, measureExport } from '../lib/export-client';

/** The target: application encryption adds at most 10 % to the export time. */
export const MAX_ENCRYPTION_COST = 0.1;

export interface EncryptionCost {
  /** The plain export of N measured before the encrypted one, and one more after it. */
  plainSeconds: [number, number];
  encryptedSeconds: number;
  /** Encrypted time over the mean plain time, minus 1. */
  cost: number;
  pass: boolean;
}

/**
 * `--encryption`: the export of N once more with OBJECT_ENCRYPTION=on, then once more without. The two plain runs
 * bracket the encrypted one, so a cache the first run warmed, or a load drifting during the run, weighs on both
 * sides of the ratio.
 */
export async function measureEncryptionCost(
  context: BenchServers,
  dataset: Dataset,
  plainSeconds: number,
): Promise<EncryptionCost> {
  const encryptedSeconds = await exportSeconds(context, dataset, true);
  const plainAgain = await exportSeconds(context, dataset, false);
  const cost = encryptedSeconds / ((plainSeconds + plainAgain) / 2) - 1;
  return { plainSeconds: [plainSeconds, plainAgain], encryptedSeconds, cost, pass: cost <= MAX_ENCRYPTION_COST };
}

/** One export of `dataset`, checked: its counts, its stored bytes encrypted or not, and a download in plaintext. */
function exportSeconds(context: BenchServers, dataset: Dataset, encrypted: boolean): Promise<number> {
  const { tenant, resources } = dataset;
  return measureExport(
    context,
    dataset,
    { query: BENCH_TYPES, encrypted },
    async ({ job, manifest, seconds, send }) => {
      checkExported(tenant, manifest, resources);
      const url = manifest.output[0]!.url;
      // The benchmark's own store decrypts nothing: it sees what lies in S3.
      const stored = await context.objects.getText(
        `${jobPrefix(tenant, job.jobId)}${url.slice(url.lastIndexOf('/') + 1)}`,
      );
      if (stored.startsWith('{"resourceType"') === encrypted) {
        throw new Error(`${tenant}: the stored output is ${encrypted ? 'plaintext' : 'not plaintext'}`);
      }
      const download = await send(url, { headers: { Range: 'bytes=0-14' } });
      if ((await download.text()) !== '{"resourceType"')
        throw new Error(`${tenant}: ${url} does not download as NDJSON`);
      console.log(`${tenant}: ${encrypted ? 'encrypted' : 'plain'} e2e ${seconds.toFixed(1)} s`);
      return seconds;
    },
  );
}

export function printEncryptionCost({ plainSeconds, encryptedSeconds, cost, pass }: EncryptionCost): void {
  const plain = plainSeconds.map((seconds) => `${seconds.toFixed(1)} s`).join(' and ');
  console.log(
    `export of N with OBJECT_ENCRYPTION=on: ${encryptedSeconds.toFixed(1)} s vs plain ${plain}: ` +
      `${cost >= 0 ? '+' : ''}${(cost * 100).toFixed(1)} % (target ≤ ${MAX_ENCRYPTION_COST * 100} %) ${pass ? 'PASS' : 'FAIL'}`,
  );
}
