import type { ExportPartition } from './partition';

/**
 * Where a job's objects live: `{tenant}/export/{jobId}/{Type}-{partition}-{seq}.ndjson` (tombstones:
 * `{Type}-deleted-{partition}-{seq}.ndjson`), `OperationOutcome-0-0.ndjson` for errors, and `manifest.json`.
 * Names are deterministic so a retried activity overwrites its own unfinished file instead of adding a second one.
 */
export const jobPrefix = (tenant: string, jobId: string) => `${tenant}/export/${jobId}/`;

export const outputKey = (
  tenant: string,
  jobId: string,
  partition: Pick<ExportPartition, 'type' | 'kind' | 'index'>,
  seq: number,
) =>
  `${jobPrefix(tenant, jobId)}${partition.type}${partition.kind === 'deleted' ? '-deleted' : ''}-${partition.index}-${seq}.ndjson`;

export const errorKey = (tenant: string, jobId: string) => `${jobPrefix(tenant, jobId)}OperationOutcome-0-0.ndjson`;

export const manifestKey = (tenant: string, jobId: string) => `${jobPrefix(tenant, jobId)}manifest.json`;

/** The file name clients see in download URLs: the key without the job prefix. */
export const fileName = (key: string) => key.slice(key.lastIndexOf('/') + 1);

/** Every name the export writes, and nothing else, so the download route can refuse all other keys. */
export const OUTPUT_FILE_NAME = /^[A-Z][A-Za-z]{1,63}(-deleted)?-\d{1,6}-\d{1,9}\.(ndjson|parquet)$/;
