import { setTimeout as sleep } from 'node:timers/promises';
import type { Send } from './auth';
import { type Progress, parseProgress, retryAfterMs } from './progress-header';

/** Waits when the server has no Retry-After to give. */
const DEFAULT_WAIT_MS = 1000;
/** A 429 without Retry-After: back off longer than a normal poll. */
const DEFAULT_429_WAIT_MS = 5000;
const MAX_RATE_LIMITED = 20;
const NETWORK_RETRIES = 3;

/**
 * Sends a request, waiting out 429 (Too Many Requests) answers as their `Retry-After` asks, and retrying a network
 * failure a few times (every request the CLI sends this way is safe to repeat: polls, downloads, kick-offs the
 * server refused before starting anything).
 */
export async function sendPolitely(send: Send, url: string, init?: RequestInit): Promise<Response> {
  for (let limited = 0, failures = 0; ;) {
    let response: Response;
    try {
      response = await send(url, init);
    } catch (error) {
      if (++failures > NETWORK_RETRIES) throw error;
      await sleep(500 * failures);
      continue;
    }
    if (response.status !== 429 || ++limited > MAX_RATE_LIMITED) return response;
    await response.body?.cancel();
    await sleep(retryAfterMs(response.headers.get('retry-after'), DEFAULT_429_WAIT_MS));
  }
}

/**
 * Polls a Bulk Data status URL until it stops answering 202, reporting each `X-Progress`, waiting between polls as
 * long as `Retry-After` asks; returns the last response (200 with the manifest or result, or a failure).
 */
export async function pollUntilDone(
  statusUrl: string,
  send: Send,
  onProgress: (progress: Progress) => void,
): Promise<Response> {
  for (;;) {
    const response = await sendPolitely(send, statusUrl, { headers: { Accept: 'application/fhir+json' } });
    if (response.status !== 202) return response;
    onProgress(parseProgress(response.headers.get('x-progress')));
    await response.body?.cancel();
    await sleep(retryAfterMs(response.headers.get('retry-after'), DEFAULT_WAIT_MS));
  }
}

/** The text of a failed answer: an OperationOutcome's diagnostics when it is one, else the body as it is. */
export async function failureText(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { resourceType?: string; issue?: Array<{ diagnostics?: string; code?: string }> };
    if (body.resourceType === 'OperationOutcome' && body.issue) {
      return body.issue.map((issue) => issue.diagnostics ?? issue.code).join('; ');
    }
  } catch {
    // Not JSON: shown as it came.
  }
  return text.slice(0, 500);
}

export class HttpError extends Error {}

/** Throws an HttpError naming `what`, the status and the server's reason. */
export async function failWith(what: string, response: Response): Promise<never> {
  throw new HttpError(`${what} answered ${response.status}: ${await failureText(response)}`);
}
