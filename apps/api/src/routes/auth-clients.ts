import { clientInformation, isAdmin, OAuthError, parseRegistration, type ClientRecord } from '@fhir-bulk/auth';
import { OperationOutcomeError } from '@fhir-bulk/fhir';
import express, { type Request, type RequestHandler, Router } from 'express';
import { timingSafeEqual } from 'node:crypto';
import type { AuthApi } from '../auth-api';
import { bearerToken } from '../auth/authenticate';
import { oauthBody } from '../auth/oauth-body';

/**
 * Client management, for administrators only: RFC 7591 registration (`POST /auth/register`) and the list, read,
 * disable/enable and delete of registered clients. The credential is AUTH_ADMIN_TOKEN, or the access token of a
 * client holding the `admin` permission.
 */
export function authClientRoutes(auth: AuthApi): Router {
  const router = Router();
  // The credential first: a caller without one learns nothing, not even whether its body parses.
  router.use(['/auth/register', '/auth/clients'], requireAdmin(auth));
  router.use('/auth/register', oauthBody(express.json({ limit: '256kb' }), 'invalid_client_metadata'));

  router.post('/auth/register', async (req, res) => {
    const registration = parseRegistration(req.body);
    if (registration.jwks_uri !== undefined) checkJwksUri(auth, registration.jwks_uri);
    res.status(201).json(clientInformation(await auth.clients.register(registration)));
  });
  router.get('/auth/clients', async (_req, res) => {
    res.json({ clients: (await auth.clients.list()).map(clientInformation) });
  });
  router.get('/auth/clients/:id', async (req, res) => {
    res.json(clientInformation(found(await auth.clients.find(idOf(req)), idOf(req))));
  });
  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    router.post(`/auth/clients/:id/${action}`, async (req, res) => {
      res.json(clientInformation(found(await auth.clients.setDisabled(idOf(req), disabled), idOf(req))));
    });
  }
  router.delete('/auth/clients/:id', async (req, res) => {
    if (!(await auth.clients.remove(idOf(req)))) throw noClient(idOf(req));
    res.status(204).end();
  });
  return router;
}

function requireAdmin(auth: AuthApi): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.get('Authorization'));
    if (token === undefined) throw adminRequired('Client management needs the administrator credential');
    if (auth.adminToken !== undefined && sameSecret(token, auth.adminToken)) return next();
    const principal = await auth.principal(token);
    if (!principal) throw adminRequired('The credential is neither the administrator credential nor a live token');
    if (!isAdmin(principal)) {
      throw new OAuthError('insufficient_scope', `Client ${principal.clientId} lacks the admin permission`);
    }
    next();
  };
}

const adminRequired = (description: string) => new OAuthError('invalid_token', description);

/** Compares in constant time, so response timing tells nothing about how much of a guess was right. */
function sameSecret(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A jwks_uri the server would refuse to fetch is refused now, with the reason, rather than at the first token. */
function checkJwksUri(auth: AuthApi, url: string): void {
  try {
    auth.checkJwksUri(url);
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    throw new OAuthError('invalid_client_metadata', error.message);
  }
}

const idOf = (req: Request) => (req.params as { id: string }).id;
const noClient = (id: string) => new OAuthError('not_found', `No client ${id}`);
function found(client: ClientRecord | null, id: string): ClientRecord {
  if (!client) throw noClient(id);
  return client;
}
