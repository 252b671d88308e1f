import type { ViewRun } from '@fhir-bulk/view-operations';
import type { Response } from 'express';

/**
 * Text held before the first write. Until then nothing is sent, so an evaluation error in the first rows (the
 * usual case for a view being tried out) still gets its 422 OperationOutcome; an error after that can only cut
 * the connection (error-handler.ts), which tells the client the body is incomplete.
 */
const FLUSH_CHARS = 64 * 1024;

/** Streams a run's rows in pieces of about FLUSH_CHARS, waiting for the client to drain each one (backpressure). */
export async function sendViewRun(res: Response, run: ViewRun): Promise<void> {
  // Headers are only sent with the first write: an error before it still replaces them (error-handler.ts).
  res.status(200).set('Content-Type', run.contentType);
  let pending = '';
  for await (const piece of run.body) {
    pending += piece;
    if (pending.length < FLUSH_CHARS) continue;
    // The client went away: leaving the loop ends the body generator, which closes its store cursor.
    if (!(await written(res, pending))) return;
    pending = '';
  }
  res.end(pending);
}

/** Writes and waits for the socket to take it; false when the connection closed instead. */
function written(res: Response, text: string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(text)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = () => {
      res.off('drain', settle);
      res.off('close', settle);
      resolve(!res.destroyed);
    };
    res.on('drain', settle);
    res.on('close', settle);
  });
}
