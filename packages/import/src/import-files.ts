/**
 * Where an import job's objects live: `{tenant}/import/{jobId}/errors-{file}.ndjson` (one per input file with bad
 * lines) and, while a file is being imported, its error parts under `parts/`. A part's name carries the line it
 * starts after and the attempt that wrote it: an attempt presumed dead may still be running for a moment, and must
 * not overwrite a part its successor's checkpoint names. Parts no checkpoint names are deleted with the rest.
 */
export const importPrefix = (tenant: string, jobId: string) => `${tenant}/import/${jobId}/`;

export const errorFileKey = (tenant: string, jobId: string, file: number) =>
  `${importPrefix(tenant, jobId)}${errorFileName(file)}`;

export const errorFileName = (file: number) => `errors-${file}.ndjson`;

export const errorPartKey = (tenant: string, jobId: string, file: number, afterLine: number, attempt: number) =>
  `${importPrefix(tenant, jobId)}parts/errors-${file}-${afterLine}-${attempt}.ndjson`;

/** Every name the download route may serve, and nothing else. */
export const ERROR_FILE_NAME = /^errors-\d{1,6}\.ndjson$/;
