import type { Db } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { ExpiringCollection, type ExpiringDocument, hashOf } from './expiring-ids';

/** An issued access token as stored: only its hash, so a copy of the database holds no usable token. */
interface TokenDocument extends ExpiringDocument {
  clientId: string;
  scope: string;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

/**
 * Opaque access tokens (256 random bits) kept in MongoDB, rather than signed JWTs: every request must read the
 * client anyway (a disabled client's tokens stop at once), so a stateless token would save nothing, and opaque
 * tokens need no signing key shared between API replicas, can be revoked, and tell a holder nothing.
 */
export class TokenStore {
  private readonly tokens: ExpiringCollection<TokenDocument>;

  constructor(
    db: Db,
    private readonly ttlSeconds: number,
  ) {
    this.tokens = new ExpiringCollection(db, 'auth_tokens');
  }

  async issue(clientId: string, scope: string, now = new Date()): Promise<IssuedToken> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.ttlSeconds * 1000);
    await this.tokens.insertNew({ _id: hashOf(token), clientId, scope, expiresAt }, now);
    return { access_token: token, token_type: 'bearer', expires_in: this.ttlSeconds, scope };
  }

  /** The client and scopes of a live token; null for an unknown or expired one. */
  async lookup(token: string, now = new Date()): Promise<{ clientId: string; scope: string } | null> {
    const document = await this.tokens.findLive(hashOf(token), now);
    return document && { clientId: document.clientId, scope: document.scope };
  }
}

/**
 * The `jti` of every client assertion seen, until the assertion expires: a replayed assertion is refused. Keyed by
 * client and jti, so clients cannot block each other's identifiers.
 */
export class AssertionIds {
  private readonly ids: ExpiringCollection<ExpiringDocument>;

  constructor(db: Db) {
    this.ids = new ExpiringCollection(db, 'auth_assertion_ids');
  }

  /** False when this client has used `jti` before (within its assertion's lifetime). */
  claim(clientId: string, jti: string, expiresAt: Date, now = new Date()): Promise<boolean> {
    return this.ids.insertNew({ _id: hashOf(clientId, jti), expiresAt }, now);
  }
}
