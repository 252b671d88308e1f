import { OAuthError } from '@fhir-bulk/auth';
import { oauthBody } from '../auth/oauth-body';
import express, { Router } from 'express';
import type { AuthApi } from '../auth-api';

/**
 * SMART Backend Services token endpoint (`POST /auth/token`, one for every tenant): a `client_credentials` grant
 * authenticated by a signed JWT. Errors are OAuth JSON (RFC 6749 §5.2), never OperationOutcomes.
 */
export function authTokenRoutes(auth: AuthApi): Router {
  const router = Router();
  router.post(
    '/auth/token',
    oauthBody(express.urlencoded({ extended: false, limit: '64kb' }), 'invalid_request'),
    async (req, res) => {
      if (!req.is('application/x-www-form-urlencoded')) {
        throw new OAuthError('invalid_request', 'A token request is application/x-www-form-urlencoded');
      }
      const token = await auth.tokens.exchange((req.body ?? {}) as Record<string, unknown>);
      // RFC 6749 §5.1: responses carrying tokens must not be cached.
      res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(token);
    },
  );
  return router;
}
