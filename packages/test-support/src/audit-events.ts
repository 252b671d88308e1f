import {
  type AuditAction,
  type AuditEntity,
  type AuditEvent,
  auditEvent,
  type AuditOutcome,
  type Coding,
  EVENT_TYPES,
} from '@fhir-bulk/audit';
import { bulkLoad, type ResourceStore } from '@fhir-bulk/store';
import type { BulkStack } from './bulk-stack';

/**
 * The AuditEvents stored in `tenant`, oldest first, read from the store itself once the API's trail has written
 * what it queued (worker events are written by their activities before the job ends).
 */
export async function storedAuditEvents(stack: Pick<BulkStack, 'store' | 'audit'>, tenant: string) {
  await stack.audit.flush();
  const documents = await stack.store.collection(tenant, 'AuditEvent').find({}).toArray();
  return documents
    .filter((document) => !document.deleted)
    .map((document) => JSON.parse(document.text) as AuditEvent)
    .sort((a, b) => a.recorded.localeCompare(b.recorded));
}

/** The events about job `jobId` (its kick-off, end, cancel and downloads). */
export const eventsOfJob = (events: AuditEvent[], jobId: string): AuditEvent[] =>
  events.filter((event) => event.entity.some((entity) => entity.what?.reference === `Task/${jobId}`));

/** `export-complete:0`: an event's subtype and outcome, for tests that check what happened in order. */
export const subtypeAndOutcome = (event: AuditEvent): string => `${event.subtype[0]!.code}:${event.outcome}`;

/** An event as a test stores it directly: the facts that differ between events, the rest fixed. */
export interface StoredAuditFacts {
  id: string;
  clientId: string;
  type: keyof typeof EVENT_TYPES;
  subtype: Coding;
  /** An instant, kept as written (an offset such as `+01:00` too). */
  recorded: string;
  action?: AuditAction;
  outcome?: AuditOutcome;
  entities?: AuditEntity[];
}

/** The AuditEvent the server's builder makes of `facts`, as a request of `facts.clientId` in `tenant` would have. */
export function testAuditEvent(tenant: string, facts: StoredAuditFacts): AuditEvent {
  const event = auditEvent({
    id: facts.id,
    type: EVENT_TYPES[facts.type],
    subtype: facts.subtype,
    action: facts.action ?? 'E',
    recorded: new Date(facts.recorded),
    outcome: facts.outcome ?? '0',
    client: { id: facts.clientId, name: `client ${facts.clientId}`, proven: true },
    source: { site: 'http://127.0.0.1/test', observer: 'fhir-bulk api' },
    tenant,
    entities: facts.entities ?? [],
  });
  return { ...event, recorded: facts.recorded };
}

/**
 * Stores events in `tenant` the way the server writes its trail (bulkLoad, create-only), not through the API, which
 * refuses every AuditEvent write; events of a past `recorded` are only possible this way.
 */
export async function storeAuditEvents(store: ResourceStore, tenant: string, events: StoredAuditFacts[]) {
  const result = await bulkLoad(
    store,
    tenant,
    events.map((facts) => testAuditEvent(tenant, facts)),
    { createOnly: true },
  );
  if (result.created !== events.length) throw new Error(`stored ${result.created} of ${events.length} AuditEvents`);
}
