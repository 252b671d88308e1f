import { type AuditClient, type AuditEvent, auditEvent, type AuditSource } from './audit-event';
import { bulkSubtype, EVENT_TYPES } from './codes';

/** The token endpoint serves every tenant; its events are kept in this one. */
export const TOKEN_EVENT_TENANT = 'default';

export interface TokenFacts {
  client: AuditClient;
  source: AuditSource;
  recorded: Date;
  /** Why the token was refused (the OAuth error description); absent when it was issued. */
  refused?: string;
  /** The OAuth error's HTTP status (400 or 401), when refused. */
  status?: number;
  /** The scopes granted. */
  scope?: string;
}

/** A token issued or refused at `POST /auth/token`. Never the assertion or the token. */
export function tokenEvent(facts: TokenFacts): AuditEvent {
  const refused = facts.refused !== undefined;
  return auditEvent({
    type: EVENT_TYPES.authentication,
    subtype: bulkSubtype(refused ? 'token-refused' : 'token-issued'),
    action: 'E',
    recorded: facts.recorded,
    outcome: refused ? ((facts.status ?? 400) >= 500 ? '8' : '4') : '0',
    ...(refused ? { failure: facts.refused } : {}),
    client: facts.client,
    source: facts.source,
    tenant: TOKEN_EVENT_TENANT,
    entities:
      facts.scope === undefined
        ? []
        : [
            {
              type: {
                system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
                code: '2',
                display: 'System Object',
              },
              name: 'granted scopes',
              detail: [{ type: 'scope', valueString: facts.scope }],
            },
          ],
  });
}
