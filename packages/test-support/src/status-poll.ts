import type { ExportManifest } from '@fhir-bulk/export';
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';

export interface PollOptions {
  /** Wait between polls while the job runs; by default as long as the server's Retry-After asks. */
  intervalMs?: number;
  /** Give up (throw) when the job is still running after this long; no limit by default. */
  timeoutMs?: number;
  /** Sees each 202's X-Progress. */
  onProgress?: (progress: string | null) => void;
  /** How requests are sent: e.g. an authorised client's `fetch`, which adds its access token. */
  fetch?: (url: string) => Promise<Response>;
}

/**
 * Polls a Bulk Data status URL (an export's or an import's) as a client should until it stops answering 202, and
 * returns that last response (200 with the manifest or result, or the failure). A 429 (polled too early) is waited
 * out as its Retry-After says. Shared by the sample export, the benchmarks and the tests, so all of them behave as
 * the clients the server expects.
 * The loop is written out, not a p-wait-for: each wait is the one the last answer's Retry-After asks for.
 */
export async function pollJobStatus(statusUrl: string, options: PollOptions = {}): Promise<Response> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const send = options.fetch ?? fetch;
  for (;;) {
    // A poll is idempotent, so a network error is retried once: a kept-alive connection the server closes as the
    // next poll goes out (a race that grows with event-loop lag on a busy machine) is no reason to abandon a job.
    const response = await pRetry(() => send(statusUrl), { retries: 1, minTimeout: 200 });
    if (response.status !== 202 && response.status !== 429) return response;
    if (response.status === 202) options.onProgress?.(response.headers.get('x-progress'));
    // Drop the (empty or partial-manifest) body so the connection is free for the next poll.
    await response.body?.cancel();
    if (Date.now() > deadline) throw new Error(`job still running after ${options.timeoutMs} ms: ${statusUrl}`);
    const retryAfterMs = Number(response.headers.get('retry-after') ?? 1) * 1000;
    const waitMs = response.status === 429 ? retryAfterMs : (options.intervalMs ?? retryAfterMs);
    await sleep(waitMs);
  }
}

/** Resources a manifest lists as exported (its `output` files; not `deleted` or `error`). */
export const outputCount = (manifest: ExportManifest) => manifest.output.reduce((sum, file) => sum + file.count, 0);
