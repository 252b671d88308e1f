import { ANONYMOUS, requireTenant } from '@fhir-bulk/auth';
import { unauthorized } from '@fhir-bulk/fhir';
import type { RequestHandler } from 'express';
import type { AuthApi } from '../auth-api';
import { tenantOf } from '../fhir-base';
import { principalOf } from './principal-of';

/** `Authorization: Bearer <token>`: the token, or undefined; anything else in the header is a malformed credential. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  if (!match) throw unauthorized('The Authorization header must be "Bearer <access token>"', true);
  return match[1];
}

/**
 * The one authentication step of every protected route: the bearer token's principal, or 401 with a Bearer
 * challenge. With AUTH_MODE=none every request is ANONYMOUS, which may do anything.
 */
export function authenticate(auth: AuthApi): RequestHandler {
  return async (req, res, next) => {
    if (auth.mode === 'none') {
      res.locals.principal = ANONYMOUS;
      return next();
    }
    const token = bearerToken(req.get('Authorization'));
    if (token === undefined) {
      throw unauthorized(`This request needs an access token: SMART Backend Services, ${auth.tokenUrl}`, false);
    }
    const principal = await auth.principal(token);
    if (!principal) throw unauthorized('The access token is unknown or expired, or its client is disabled', true);
    res.locals.principal = principal;
    next();
  };
}

/** Every FHIR route acts in a tenant ([base]); a client may use only the tenants it was registered for. */
export const requireTenantAccess: RequestHandler = (req, _res, next) => {
  requireTenant(principalOf(req), tenantOf(req));
  next();
};
