import pino, { type Logger } from 'pino';

export type { Logger };

/** One JSON logger per process; callers add `jobId`/`tenant` with `logger.child(...)` so every line carries them. */
export function createLogger(service: string, level: string): Logger {
  return pino({ name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
