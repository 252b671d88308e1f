/**
 * Where the API serves asynchronous jobs, in one place for the routes that answer there and the results written
 * outside the API that link into it (an export's manifest, an import's result): a job's status URL is
 * `[base]/{path}/{jobId}`, its files are under `[base]/{path}/{jobId}/files/{name}`.
 */
export const JOB_PATHS = {
  export: '_export',
  import: '_import',
  /** SQL on FHIR `$viewdefinition-export`: export jobs, polled for Parameters; their files are the export's. */
  viewExport: '_viewdefinition-export',
} as const;

export type JobPath = (typeof JOB_PATHS)[keyof typeof JOB_PATHS];

export const jobStatusUrl = (baseUrl: string, path: JobPath, jobId: string): string => `${baseUrl}/${path}/${jobId}`;

export const jobFileUrl = (baseUrl: string, path: JobPath, jobId: string, name: string): string =>
  `${jobStatusUrl(baseUrl, path, jobId)}/files/${name}`;

/** Page `page` (1-based) of a status answer in pages, such as a partial manifest. */
export const statusPageUrl = (statusUrl: string, page: number): string => `${statusUrl}?${PAGE_PARAMETER}=${page}`;

export const PAGE_PARAMETER = 'page';
