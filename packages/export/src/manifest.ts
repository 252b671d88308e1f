import type { ExportedFile, ExportJobInput } from './export-job';
import { fileName } from './output-files';

export interface ManifestOutput {
  type?: string;
  url: string;
  count: number;
}

/** The Bulk Data IG's complete-status body. */
export interface ExportManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  /** `organizeOutputBy` of the request: the resource type whose units each file holds (IG 3.0.0). */
  outputOrganizedBy?: string;
  output: ManifestOutput[];
  deleted: ManifestOutput[];
  error: ManifestOutput[];
  /** Partial manifests (`allowPartialManifests`): where the next page of files is. */
  link?: Array<{ relation: 'next'; url: string }>;
}

const byTypeThenName = (a: ManifestOutput, b: ManifestOutput) =>
  (a.type ?? '').localeCompare(b.type ?? '') || a.url.localeCompare(b.url, undefined, { numeric: true });

const typeOf = (f: ExportedFile) => (f.kind === 'deleted' ? { type: 'Bundle' } : f.type ? { type: f.type } : {});

/**
 * Builds the manifest. Files come back from parallel activities in any order; entries are sorted by type and
 * name so two runs of the same export give the same manifest. Empty files are left out, as the IG allows. A `deleted`
 * entry's type is `Bundle`, what its file holds (IG 3.0.0: `deleted` follows "the same structure as the output
 * array", whose `type` is "the FHIR resource type that is contained in the file"); the deleted type is in each
 * Bundle's `request.url`.
 */
export function buildManifest(
  input: Pick<
    ExportJobInput,
    'jobId' | 'baseUrl' | 'transactionTime' | 'requestUrl' | 'requiresAccessToken' | 'organizeOutputBy'
  >,
  files: readonly ExportedFile[],
): ExportManifest {
  const fileBaseUrl = `${input.baseUrl}/_export/${input.jobId}/files`;
  const entries = (kind: ExportedFile['kind']) =>
    files
      .filter((f) => f.kind === kind && f.count > 0)
      .map((f) => ({ ...typeOf(f), url: `${fileBaseUrl}/${fileName(f.key)}`, count: f.count }))
      .sort(byTypeThenName);
  return {
    transactionTime: input.transactionTime,
    request: input.requestUrl,
    requiresAccessToken: input.requiresAccessToken,
    ...(input.organizeOutputBy ? { outputOrganizedBy: input.organizeOutputBy } : {}),
    output: entries('output'),
    deleted: entries('deleted'),
    error: entries('error'),
  };
}

/**
 * One page of a manifest for clients that allowed partial manifests: `pageSize` output files per page, `deleted`
 * on the first page, and a `next` link while files remain. Pages are 1-based (`?page=2`). Every other field, `error`
 * too, is the same on each page (IG 3.0.0: "All fields in the linked manifest SHALL be populated with the same
 * values as the manifest with the link, apart from the output, deleted and link arrays").
 */
export function manifestPage(manifest: ExportManifest, page: number, pageSize: number, statusUrl: string) {
  const start = (page - 1) * pageSize;
  const output = manifest.output.slice(start, start + pageSize);
  const more = start + pageSize < manifest.output.length;
  return {
    ...manifest,
    output,
    deleted: page === 1 ? manifest.deleted : [],
    ...(more ? { link: [{ relation: 'next' as const, url: `${statusUrl}?page=${page + 1}` }] } : {}),
  };
}
