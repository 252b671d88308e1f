import { type ExportManifest, pollExportStatus } from '@fhir-bulk/export';

/**
 * Status polls are this far apart, the least the API accepts by default (EXPORT_STATUS_MIN_INTERVAL_SECONDS), so
 * the measured time can overshoot by up to this much.
 */
export const POLL_INTERVAL_MS = 1_000;

export interface ExportJob {
  jobId: string;
  statusUrl: string;
  /** performance.now() just before the kick-off was sent. */
  started: number;
}

export interface ExportResult {
  manifest: ExportManifest;
  /** From kick-off to the 200 carrying the manifest, as a client sees it. */
  seconds: number;
}

/** A Bulk Data kick-off with `Prefer: respond-async`; the job id is the last segment of Content-Location. */
export async function kickOff(tenantBaseUrl: string, types: readonly string[]): Promise<ExportJob> {
  const started = performance.now();
  const response = await fetch(`${tenantBaseUrl}/$export?_type=${types.join(',')}`, {
    headers: { Prefer: 'respond-async' },
  });
  if (response.status !== 202) throw new Error(`kick-off answered ${response.status}: ${await response.text()}`);
  const statusUrl = response.headers.get('content-location');
  if (!statusUrl) throw new Error('kick-off answered 202 without Content-Location');
  return { jobId: statusUrl.slice(statusUrl.lastIndexOf('/') + 1), statusUrl, started };
}

/** Polls the status URL until it answers 200 with the manifest; any other final answer is a failure. */
export async function awaitManifest(job: ExportJob): Promise<ExportResult> {
  const response = await pollExportStatus(job.statusUrl, { intervalMs: POLL_INTERVAL_MS });
  if (response.status !== 200) throw new Error(`export status answered ${response.status}: ${await response.text()}`);
  const manifest = (await response.json()) as ExportManifest;
  return { manifest, seconds: (performance.now() - job.started) / 1000 };
}
