import type { AuditEvent } from '@fhir-bulk/audit';
import type { BulkStack } from './bulk-stack';

/**
 * The AuditEvents stored in `tenant`, oldest first, read from the store itself once the API's trail has written
 * what it queued (worker events are written by their activities before the job ends).
 */
export async function storedAuditEvents(stack: Pick<BulkStack, 'store' | 'audit'>, tenant: string) {
  await stack.audit.flush();
  const documents = await stack.store.collection('AuditEvent').find({ tenant }).toArray();
  return documents
    .filter((document) => !document.deleted)
    .map((document) => document.resource as AuditEvent)
    .sort((a, b) => a.recorded.localeCompare(b.recorded));
}

/** The events about job `jobId` (its kick-off, end, cancel and downloads). */
export const eventsOfJob = (events: AuditEvent[], jobId: string): AuditEvent[] =>
  events.filter((event) => event.entity.some((entity) => entity.what?.reference === `Task/${jobId}`));

/** `export-complete:0`: an event's subtype and outcome, for tests that check what happened in order. */
export const subtypeAndOutcome = (event: AuditEvent): string => `${event.subtype[0]!.code}:${event.outcome}`;
