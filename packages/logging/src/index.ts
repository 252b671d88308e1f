import pino, { type DestinationStream, type Logger } from 'pino';

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

/**
 * Errors are logged by what they are, never by what they carry: a driver's error can hold the documents it failed
 * to write (a MongoBulkWriteError's `writeErrors[].op` is the resource: patient data), so only the type, code,
 * message and stack are kept, and the same of its cause.
 */
function errorSerializer(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const { name, message, stack } = error;
  const { code, cause } = error as Error & { code?: unknown; cause?: unknown };
  return {
    type: name,
    message,
    ...(code === undefined ? {} : { code }),
    stack,
    ...(cause instanceof Error && depth < 3 ? { cause: errorSerializer(cause, depth + 1) } : {}),
  };
}

/** One JSON logger per process; callers add `jobId`/`tenant` with `logger.child(...)` so every line carries them. */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: SECRETS, censor: '[Redacted]' },
    serializers: { err: errorSerializer, error: errorSerializer },
  };
  return destination ? pino(options, destination) : pino(options);
}
