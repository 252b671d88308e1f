import { type AuditRecorder, TOKEN_EVENT_TENANT, tokenEvent } from '@fhir-bulk/audit';
import { assertedClientId, OAuthError } from '@fhir-bulk/auth';
import { oauthBody } from '../auth/oauth-body';
import express, { type ErrorRequestHandler, Router } from 'express';
import type { AuthApi } from '../auth-api';
import { apiSource } from '../audit/request-audit';

/**
 * SMART Backend Services token endpoint (`POST /auth/token`, one for every tenant): a `client_credentials` grant
 * authenticated by a signed JWT. Errors are OAuth JSON (RFC 6749 §5.2), never OperationOutcomes. Every token issued
 * or refused is audited (in tenant `default`, the endpoint being one for all tenants); never the assertion or token.
 */
export function authTokenRoutes(auth: AuthApi, audit: AuditRecorder, publicBaseUrl: string): Router {
  const router = Router();
  const source = apiSource(publicBaseUrl);
  router.post(
    '/auth/token',
    oauthBody(express.urlencoded({ extended: false, limit: '64kb' }), 'invalid_request'),
    async (req, res) => {
      if (!req.is('application/x-www-form-urlencoded')) {
        throw new OAuthError('invalid_request', 'A token request is application/x-www-form-urlencoded');
      }
      const { token, client } = await auth.tokens.exchange((req.body ?? {}) as Record<string, unknown>);
      audit.record(
        TOKEN_EVENT_TENANT,
        tokenEvent({
          client: { ...client, proven: true, ...(req.ip === undefined ? {} : { address: req.ip }) },
          source,
          recorded: new Date(),
          scope: token.scope,
        }),
      );
      // RFC 6749 §5.1: responses carrying tokens must not be cached.
      res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(token);
    },
  );
  // A refusal, whatever refused it (the body parser, the assertion checks, a failing store), is audited with the
  // client id the assertion claims (unproven) and the reason; the error handler answers it.
  const refused: ErrorRequestHandler = (error: unknown, req, _res, next) => {
    const asserted = assertedClientId((req.body ?? {}) as Record<string, unknown>);
    audit.record(
      TOKEN_EVENT_TENANT,
      tokenEvent({
        client: {
          ...(asserted === undefined ? {} : { id: asserted }),
          proven: false,
          ...(req.ip === undefined ? {} : { address: req.ip }),
        },
        source,
        recorded: new Date(),
        refused: error instanceof OAuthError ? `${error.error}: ${error.description}` : 'server error',
        status: error instanceof OAuthError ? error.status : 500,
      }),
    );
    next(error);
  };
  router.use('/auth/token', refused);
  return router;
}
