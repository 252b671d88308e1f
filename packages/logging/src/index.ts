import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Where a credential could sit in a logged object (a request's headers, a token response, a client's keys): pino
 * replaces these with [Redacted] whatever code logs them, so a careless log call cannot leak one.
 */
const SECRETS = [
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'access_token',
  '*.access_token',
  'client_assertion',
  '*.client_assertion',
  'privateJwk',
  '*.privateJwk',
  'adminToken',
  '*.adminToken',
];

/** One JSON logger per process; callers add `jobId`/`tenant` with `logger.child(...)` so every line carries them. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: SECRETS, censor: '[Redacted]' },
  });
}
