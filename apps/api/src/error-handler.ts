import { OAuthError } from '@fhir-bulk/auth';
import { OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import type { Logger } from '@fhir-bulk/logging';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { noteAuditFailure } from './audit/request-audit';
import { isBackendOutage } from './backend-outage';
import { pathOf } from './request-log';

/** Seconds a client is asked to wait when a backing service is unreachable. */
const OUTAGE_RETRY_AFTER_SECONDS = 10;

/** The one place FHIR errors become HTTP responses. */
export function errorHandler(processLogger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    // The request's logger (request-log.ts, the app's first middleware) adds its request id to the line.
    const logger = (req.log as Logger | undefined) ?? processLogger;
    noteAuditFailure(res, error);
    if (res.headersSent) {
      // A stream failed mid-response (S3 gone during a download): no status can be sent any more, so log it and
      // cut the connection, which tells the client the body is incomplete.
      logger.error(
        { err: error, method: req.method, path: pathOf(req.originalUrl) },
        'error after the response started',
      );
      res.destroy();
      return;
    }
    if (error instanceof OperationOutcomeError) {
      res.status(error.status).set(error.headers).type('application/fhir+json').send(error.outcome);
      return;
    }
    // The OAuth endpoints (/auth/*) answer as OAuth clients expect: JSON with `error`, never cached.
    if (error instanceof OAuthError) {
      if (error.error === 'invalid_token')
        res.set('WWW-Authenticate', 'Bearer realm="fhir-bulk", error="invalid_token"');
      res.status(error.status).set('Cache-Control', 'no-store').json(error.body);
      return;
    }
    // express.json() reports unparseable bodies with a status of their own (400, 413).
    const status = (error as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res
        .status(status)
        .type('application/fhir+json')
        .send(outcome('error', 'invalid', parserMessage(error as ParserError, req.get('Content-Encoding'))));
      return;
    }
    if (isBackendOutage(error)) {
      logger.warn(
        { err: error, method: req.method, path: pathOf(req.originalUrl) },
        'a backing service is unreachable',
      );
      res
        .status(503)
        .set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS))
        .type('application/fhir+json')
        .send(outcome('error', 'transient', 'A backing service is unreachable; retry later'));
      return;
    }
    logger.error({ err: error, method: req.method, path: pathOf(req.originalUrl) }, 'unhandled error');
    res
      .status(500)
      .type('application/fhir+json')
      .send(outcome('error', 'exception', 'Internal server error'));
  };
}

type ParserError = Error & { code?: string };

/**
 * What is wrong with a body the JSON parser refused. A compressed body that does not decompress comes with zlib's
 * words only ("incorrect header check"), or none at all when the error crossed a realm (`Bad Request`).
 */
function parserMessage(error: ParserError, contentEncoding: string | undefined): string {
  if (error.code?.startsWith('Z_')) return `The body is not valid ${contentEncoding} data (${error.code})`;
  return error.message;
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res
    .status(404)
    .type('application/fhir+json')
    .send(outcome('error', 'not-found', `No route for ${req.method} ${req.path}`));
};
