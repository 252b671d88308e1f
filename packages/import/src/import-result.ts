import { JOB_PATHS, jobFileUrl } from '@fhir-bulk/jobs';
import type { ImportedFile, ImportJobInput, ImportProgress } from './import-job';
import { errorFileName } from './import-files';

export interface ImportResultEntry {
  type: string;
  inputUrl: string;
  count: number;
  url?: string;
}

/**
 * The completed job's body, shaped like an export manifest (as the Bulk Data $import proposals and the Microsoft
 * FHIR server do): `output` per input file with the resources that landed, `error` per input file with bad lines,
 * pointing at its OperationOutcome NDJSON.
 */
export interface ImportResult {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: ImportResultEntry[];
  error: ImportResultEntry[];
}

export function buildImportResult(
  job: Pick<ImportJobInput, 'jobId' | 'baseUrl' | 'transactionTime' | 'requestUrl'>,
  files: readonly ImportedFile[],
): ImportResult {
  const sorted = [...files].sort((a, b) => a.index - b.index);
  return {
    transactionTime: job.transactionTime,
    request: job.requestUrl,
    requiresAccessToken: true,
    output: sorted.map((f) => ({ type: f.type, inputUrl: f.inputUrl, count: f.count })),
    error: sorted
      .filter((f) => f.errors > 0)
      .map((f) => ({
        type: 'OperationOutcome',
        inputUrl: f.inputUrl,
        count: f.errors,
        url: jobFileUrl(job.baseUrl, JOB_PATHS.import, job.jobId, errorFileName(f.index)),
      })),
  };
}

/** What the API can learn about an import job, independent of how jobs run. */
export type ImportJobStatus =
  | { state: 'running'; progress?: ImportProgress }
  | { state: 'completed'; result: ImportResult }
  /** `clientFault`: the inputs were at fault (gone, changed, not allowed), not the server. */
  | { state: 'failed'; message: string; clientFault: boolean }
  | { state: 'gone' };
