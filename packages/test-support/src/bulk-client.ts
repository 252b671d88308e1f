import {
  BackendServicesClient,
  type ClientKeyPair,
  type ClientRegistration,
  generateClientKeyPair,
  registerClient,
} from '@fhir-bulk/auth';

/** A registered client, its keys, and a token-carrying client for it. */
export interface TestClient {
  clientId: string;
  keys: ClientKeyPair;
  http: BackendServicesClient;
}

/**
 * Registers a client through the API's registration endpoint (as the administrator, `adminToken`), like any bulk
 * client: by default every scope, every tenant, `bulk-export/read`, `bulk-import/write` and `audit/read`;
 * `registration` overrides any of these. Its `http` asks for tokens of `scope`; it and the registration send their
 * requests with `send` (fetchTrusting, for an API served over TLS with a test certificate).
 */
export async function registerBulkClient(
  baseUrl: string,
  adminToken: string,
  registration: Partial<ClientRegistration> = {},
  scope = 'system/*.*',
  send: typeof fetch = fetch,
): Promise<TestClient> {
  const keys = await generateClientKeyPair();
  const registered = await registerClient(
    baseUrl,
    adminToken,
    {
      client_name: 'test client',
      jwks: { keys: [keys.publicJwk] },
      scope: 'system/*.*',
      permissions: ['bulk-export/read', 'bulk-import/write', 'audit/read'],
      tenants: ['*'],
      ...registration,
    },
    send,
  );
  const http = new BackendServicesClient({
    clientId: registered.client_id,
    tokenUrl: `${baseUrl}/auth/token`,
    privateJwk: keys.privateJwk,
    scope,
    send,
  });
  return { clientId: registered.client_id, keys, http };
}
