import type { ExportedFile, ExportJobInput } from './export-job';
import { fileName } from './output-files';

export interface ManifestOutput {
  type: string;
  url: string;
  count: number;
}

/** The Bulk Data IG's complete-status body. */
export interface ExportManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: ManifestOutput[];
  deleted: ManifestOutput[];
  error: ManifestOutput[];
}

/**
 * Builds the manifest. Files come back from parallel activities in any order; outputs are sorted by type and
 * name so two runs of the same export give the same manifest. Empty files are left out, as the IG allows.
 */
export function buildManifest(input: ExportJobInput, files: readonly ExportedFile[]): ExportManifest {
  const fileBaseUrl = `${input.baseUrl}/_export/${input.jobId}/files`;
  const output = files
    .filter((f) => f.count > 0)
    .map((f) => ({ type: f.type, url: `${fileBaseUrl}/${fileName(f.key)}`, count: f.count }))
    .sort((a, b) => a.type.localeCompare(b.type) || a.url.localeCompare(b.url, undefined, { numeric: true }));
  return {
    transactionTime: input.transactionTime,
    request: input.requestUrl,
    requiresAccessToken: input.requiresAccessToken,
    output,
    deleted: [],
    error: [],
  };
}
