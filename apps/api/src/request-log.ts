import type { Logger } from '@fhir-bulk/logging';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { pinoHttp } from 'pino-http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * A caller's request id is kept when it is short and plain (a UUID, a trace id, `deploy-42.retry:1`); anything else
 * is replaced, never refused: it ends up in log lines and in workflow memos, so it must not carry line breaks, markup
 * or a payload, and a bad one is no reason to fail a request.
 */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the caller's X-Request-Id if acceptable, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Probes poll these every few seconds; a line each would bury the requests that matter. */
const PROBES = new Set(['/healthz', '/readyz']);

/** A request URL without its query string, which may hold patient data (`Patient?name=…`): what lines log. */
export const pathOf = (url: string | undefined) => (url ?? '').split('?')[0] ?? '';

/**
 * One JSON line per request (method, path, status, duration) and `req.log`, a logger whose every line carries the
 * request's `requestId`, which is echoed as X-Request-Id. The query string (pathOf) and headers (tokens) are left out.
 */
export function requestLog(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdOf(req);
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, path: pathOf(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => PROBES.has(pathOf(req.url)) },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
  });
}
