import { JOB_PATHS, jobFileUrl, statusPageUrl } from '@fhir-bulk/jobs';
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
 * name so two runs of the same export give the same manifest. For a client that allowed partial manifests they keep
 * the order the job recorded them in instead (the workflow's append-only list): pages cut from that order never
 * change as files are added (see manifestPage). Empty files are left out, as the IG allows. A `deleted`
 * entry's type is `Bundle`, what its file holds (IG 3.0.0: `deleted` follows "the same structure as the output
 * array", whose `type` is "the FHIR resource type that is contained in the file"); the deleted type is in each
 * Bundle's `request.url`.
 */
export function buildManifest(
  input: Pick<
    ExportJobInput,
    'jobId' | 'baseUrl' | 'transactionTime' | 'requestUrl' | 'requiresAccessToken' | 'organizeOutputBy'
  > &
    Partial<Pick<ExportJobInput, 'allowPartialManifests'>>,
  files: readonly ExportedFile[],
): ExportManifest {
  const entries = (kind: ExportedFile['kind']) => {
    const listed = files
      .filter((f) => f.kind === kind && f.count > 0)
      .map((f) => ({
        ...typeOf(f),
        url: jobFileUrl(input.baseUrl, JOB_PATHS.export, input.jobId, fileName(f.key)),
        count: f.count,
      }));
    return input.allowPartialManifests ? listed : listed.sort(byTypeThenName);
  };
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
 * One page of a manifest for clients that allowed partial manifests (pages are 1-based, `?page=2`), cut from the
 * manifest in recorded order (buildManifest): `pageSize` files, output files first, then deleted ones. Every other
 * field, `error` too, is the same on each page (IG 3.0.0: "All fields in the linked manifest SHALL be populated with
 * the same values as the manifest with the link, apart from the output, deleted and link arrays").
 *
 * While the export runs (`complete` false) the manifest lists the files finished so far, and the IG says a manifest
 * once returned SHALL NOT be altered "with the exception of optionally adding a link field pointing to a manifest
 * with additional output files". So a page is handed out only when it is full of output files (later ones only
 * append, and deleted ones go after every output file), its `next` link only once that page is full too; undefined
 * means the page does not exist yet. Once complete, the last page takes what remains, deleted files included.
 */
export function manifestPage(
  manifest: ExportManifest,
  page: number,
  pageSize: number,
  statusUrl: string,
  complete: true,
): ExportManifest;
export function manifestPage(
  manifest: ExportManifest,
  page: number,
  pageSize: number,
  statusUrl: string,
  complete: boolean,
): ExportManifest | undefined;
export function manifestPage(
  manifest: ExportManifest,
  page: number,
  pageSize: number,
  statusUrl: string,
  complete: boolean,
): ExportManifest | undefined {
  const files = [
    ...manifest.output.map((entry) => ({ entry, deleted: false })),
    ...(complete ? manifest.deleted.map((entry) => ({ entry, deleted: true })) : []),
  ];
  const start = (page - 1) * pageSize;
  const end = start + pageSize;
  if (!complete && end > files.length) return undefined;
  const onPage = files.slice(start, end);
  const more = complete ? end < files.length : end + pageSize <= files.length;
  return {
    ...manifest,
    output: onPage.filter((file) => !file.deleted).map((file) => file.entry),
    deleted: onPage.filter((file) => file.deleted).map((file) => file.entry),
    ...(more ? { link: [{ relation: 'next' as const, url: statusPageUrl(statusUrl, page + 1) }] } : {}),
  };
}
