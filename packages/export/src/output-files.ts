import { CSV, type ExportJobInput, PARQUET } from './export-job';
import type { ExportPartition } from './partition';

/**
 * Where a job's objects live: `{tenant}/export/{jobId}/{Type}-{partition}-{seq}.ndjson` (tombstones:
 * `{Type}-deleted-{partition}-{seq}.ndjson`; view rows: `{viewName}-{partition}-{seq}.parquet|ndjson|csv`),
 * `OperationOutcome-0-0.ndjson` for errors, and `manifest.json`. Names are deterministic so a retried activity
 * overwrites its own unfinished file instead of adding a second one.
 */
export const jobPrefix = (tenant: string, jobId: string) => `${tenant}/export/${jobId}/`;

export type FileExtension = 'ndjson' | 'parquet' | 'csv';

/** What an output partition's files hold: resources (NDJSON) or the rows of a view, in the job's format. */
export function outputExtension(
  job: Pick<ExportJobInput, 'outputFormat'>,
  partition: Pick<ExportPartition, 'view'>,
): FileExtension {
  if (partition.view === undefined) return 'ndjson';
  return job.outputFormat === PARQUET ? 'parquet' : job.outputFormat === CSV ? 'csv' : 'ndjson';
}

export function outputKey(
  job: Pick<ExportJobInput, 'tenant' | 'jobId' | 'outputFormat' | 'views'>,
  partition: Pick<ExportPartition, 'type' | 'kind' | 'index' | 'view'>,
  seq: number,
): string {
  const stem =
    partition.view !== undefined
      ? job.views?.[partition.view]?.name
      : `${partition.type}${partition.kind === 'deleted' ? '-deleted' : ''}`;
  if (!stem) throw new RangeError(`The job has no view ${partition.view}`);
  return `${jobPrefix(job.tenant, job.jobId)}${stem}-${partition.index}-${seq}.${outputExtension(job, partition)}`;
}

export const errorKey = (tenant: string, jobId: string) => `${jobPrefix(tenant, jobId)}OperationOutcome-0-0.ndjson`;

export const manifestKey = (tenant: string, jobId: string) => `${jobPrefix(tenant, jobId)}manifest.json`;

/** The file name clients see in download URLs: the key without the job prefix. */
export const fileName = (key: string) => key.slice(key.lastIndexOf('/') + 1);

/** A view's output name (also its files' stem): a table name every SQL engine takes unquoted. */
export const VIEW_OUTPUT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * Every name the export writes, and nothing else, so the download route can refuse all other keys. Type names
 * are letters only; view names may hold digits and `_`, never `-`, so the two cannot be confused.
 */
export const OUTPUT_FILE_NAME =
  /^([A-Z][A-Za-z]{1,63}(-deleted)?-\d{1,6}-\d{1,9}\.ndjson|[A-Za-z][A-Za-z0-9_]{0,63}-\d{1,6}-\d{1,9}\.(ndjson|parquet|csv))$/;

/** The view output name a view file belongs to (`patient_demographics-0-3.parquet` → `patient_demographics`). */
export const viewOfFile = (name: string) => name.replace(/-\d+-\d+\.\w+$/, '');
