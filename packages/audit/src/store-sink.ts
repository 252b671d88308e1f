import { bulkLoad, type ResourceStore } from '@fhir-bulk/store';
import type { AuditEvent } from './audit-event';
import type { AuditSink } from './audit-trail';

/**
 * AuditEvents are resources of their tenant, written by the bulk path create-only: one round trip per batch, and
 * an event written again (a retried flush, a retried activity) stays as first written.
 */
export const storeAuditSink = (store: ResourceStore): AuditSink => ({
  async write(tenant: string, events: AuditEvent[]): Promise<void> {
    const { unstorable } = await bulkLoad(store, tenant, events, { createOnly: true });
    // Events are built by this package only; one the database cannot hold is a bug, not a retryable outage.
    if (unstorable.length > 0) throw new Error(`AuditEvent not storable: ${unstorable[0]!.reason}`);
  },
});
