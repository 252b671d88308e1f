import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { ClientRecord } from './clients';

/** Fetches a client's `jwks_uri`, with the server's outbound URL rules applied (the API wires them in). */
export type FetchJwks = (url: string) => Promise<JSONWebKeySet>;

const CACHE_MS = 5 * 60_000;
/** A kid missing from a cached set makes one refetch, but not more often than this (a bad kid cannot flood it). */
const REFETCH_AFTER_MS = 30_000;

/**
 * A client's public keys: registered inline, or fetched from its `jwks_uri` and cached, refetched early when an
 * assertion names a kid the cached set lacks (key rotation).
 */
export class ClientKeys {
  private readonly cache = new Map<string, { jwks: JSONWebKeySet; fetchedAt: number }>();

  constructor(
    private readonly fetchJwks: FetchJwks,
    private readonly now: () => number = Date.now,
  ) {}

  async keySet(client: ClientRecord, kid: string): Promise<JWTVerifyGetKey> {
    if (client.jwks) return createLocalJWKSet(client.jwks);
    const url = client.jwks_uri!;
    const cached = this.cache.get(url);
    const age = cached ? this.now() - cached.fetchedAt : Infinity;
    const hasKid = cached?.jwks.keys.some((key) => key.kid === kid) ?? false;
    if (age > CACHE_MS || (!hasKid && age > REFETCH_AFTER_MS)) {
      const jwks = await this.fetchJwks(url);
      this.cache.set(url, { jwks, fetchedAt: this.now() });
      return createLocalJWKSet(jwks);
    }
    return createLocalJWKSet(cached!.jwks);
  }
}
