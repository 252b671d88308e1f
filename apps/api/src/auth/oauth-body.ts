import { OAuthError, type OAuthErrorCode } from '@fhir-bulk/auth';
import type { RequestHandler } from 'express';

/** A body parser whose failures (not JSON, too large) are OAuth errors, as OAuth clients read them. */
export const oauthBody =
  (parse: RequestHandler, code: OAuthErrorCode): RequestHandler =>
  (req, res, next) =>
    parse(req, res, (error?: unknown) => {
      if (error === undefined) return next();
      next(new OAuthError(code, `The request body cannot be read: ${(error as Error).message}`));
    });
