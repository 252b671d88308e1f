import { setTimeout as sleep } from 'node:timers/promises';

export interface LoopOptions {
  /** Loops running at once: requests in flight, or pollers. */
  concurrency: number;
  seconds: number;
  /**
   * A loop sends a request at most this often, as a client waiting Retry-After between polls does (the loops start
   * spread over the first interval); without it each loop sends its next request as soon as one is answered.
   */
  intervalMs?: number;
  /** Stops the loops early once true (checked before each request). */
  done?: () => boolean;
}

/**
 * Runs `concurrency` loops of `request` for `seconds` (each loop sends at least one) and returns the latencies the
 * requests measured, in milliseconds. A request measures only the part that counts (an update's PUT, not the GET
 * before it) and returns undefined for an answer that does not count (a poll of a job that has ended).
 */
export async function runLoops(
  request: (loop: number) => Promise<number | undefined>,
  { concurrency, seconds, intervalMs, done = () => false }: LoopOptions,
): Promise<number[]> {
  const deadline = performance.now() + seconds * 1000;
  const samples: number[] = [];
  const loop = async (index: number) => {
    if (intervalMs) await sleep(Math.random() * intervalMs);
    do {
      if (done()) return;
      const started = performance.now();
      const latency = await request(index).catch((error: unknown) => {
        if (error instanceof Unanswered) return Infinity;
        throw error;
      });
      if (latency !== undefined) samples.push(latency);
      if (intervalMs) await sleep(Math.max(0, started + intervalMs - performance.now()));
    } while (performance.now() < deadline);
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => loop(index)));
  return samples;
}

/**
 * A request still unanswered at fetch's (undici's) 300 s header timeout, as a search or an update scanning a large
 * FerretDB collection on a busy machine can be: it counts as infinitely slow (shown `timeout`) rather than ending
 * the benchmark. The server may still be working on it while later requests are measured.
 */
class Unanswered extends Error {}

/**
 * A request's answer, its body read, and the milliseconds from sending it to the end of that body. A request that
 * gets no answer is Unanswered after the header timeout, or else fails naming itself and the cause (fetch's own
 * message is only "fetch failed").
 */
export async function timed(
  what: string,
  send: () => Promise<Response>,
): Promise<{ ms: number; response: Response; body: string }> {
  const started = performance.now();
  const response = await send().catch((error: Error) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const message = `${what} failed after ${seconds} s: ${error.message} (${String(error.cause)})`;
    if ((error.cause as { code?: string } | undefined)?.code === 'UND_ERR_HEADERS_TIMEOUT') {
      console.log(message);
      throw new Unanswered(message);
    }
    throw new Error(message);
  });
  const body = await response.text();
  return { ms: performance.now() - started, response, body };
}

/** Throws unless the answer has the status expected: a benchmark of failing requests measures nothing. */
export function expectStatus(what: string, expected: number, { response, body }: { response: Response; body: string }) {
  if (response.status !== expected)
    throw new Error(`${what} answered ${response.status}, not ${expected}: ${body.slice(0, 300)}`);
}
