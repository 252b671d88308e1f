import type { ExportManifest } from '@fhir-bulk/export';
import { setTimeout as sleep } from 'node:timers/promises';

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

/**
 * Polls the status URL until it answers 200 with the manifest. A 429 (polled too early) is waited out as its
 * Retry-After says; any other answer but 202 is a failure.
 */
export async function awaitManifest(job: ExportJob): Promise<ExportResult> {
  for (;;) {
    const response = await fetch(job.statusUrl);
    if (response.status === 200) {
      const manifest = (await response.json()) as ExportManifest;
      return { manifest, seconds: (performance.now() - job.started) / 1000 };
    }
    if (response.status === 429) {
      await response.body?.cancel();
      await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
      continue;
    }
    if (response.status !== 202) throw new Error(`export status answered ${response.status}: ${await response.text()}`);
    await response.body?.cancel();
    await sleep(POLL_INTERVAL_MS);
  }
}

/** Resources the manifest says were exported. */
export const exportedCount = (manifest: ExportManifest) => manifest.output.reduce((sum, file) => sum + file.count, 0);
