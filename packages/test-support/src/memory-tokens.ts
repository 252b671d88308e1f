import { parseScopes, type Permission, type Principal } from '@fhir-bulk/auth';
import { randomBytes } from 'node:crypto';

/** Who a token is issued to; by default a bulk client with every scope in every tenant, not an admin. */
export interface TokenGrant {
  clientId?: string;
  /** SMART scopes, as a token request asks for them. */
  scope?: string;
  permissions?: Permission[];
  tenants?: string[];
}

/**
 * Access tokens issued in memory, for route tests without MongoDB: each stands for the principal it was issued
 * with, its scopes parsed by the same `parseScopes` the token service grants with, so every authorization check
 * the routes make (permissions, tenants, scopes, job owners) runs for real.
 */
export class MemoryTokens {
  private readonly principals = new Map<string, Principal>();

  issue({
    clientId = 'bulk-client',
    scope = 'system/*.*',
    permissions = ['bulk-export/read', 'bulk-import/write'],
    tenants = ['*'],
  }: TokenGrant = {}): string {
    const token = randomBytes(32).toString('base64url');
    const scopes = parseScopes(scope).scopes;
    this.principals.set(token, { clientId, clientName: clientId, scopes, permissions: new Set(permissions), tenants });
    return token;
  }

  /** The token's principal; null for a token never issued, as the token service answers an unknown one. */
  async principal(token: string): Promise<Principal | null> {
    return this.principals.get(token) ?? null;
  }
}
