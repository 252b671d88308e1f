import { AUDIT_EVENT } from '@fhir-bulk/fhir';
import { purgeOlderThan, type ResourceStore } from '@fhir-bulk/store';

export interface AuditDeps {
  store: ResourceStore;
  /** AUDIT_RETENTION_DAYS: how long an AuditEvent is kept after its `recorded` time. */
  retentionDays: number;
  now: () => Date;
}

const DAY_MS = 24 * 3600 * 1000;

/** The audit trail's I/O: only its retention here; the API writes the events themselves. */
export function createAuditActivities(deps: AuditDeps) {
  return {
    /** Deletes every AuditEvent (every tenant, with its history) recorded before the retention period; how many. */
    purgeExpiredAuditEvents: () =>
      purgeOlderThan(deps.store, AUDIT_EVENT, 'recorded', new Date(deps.now().getTime() - deps.retentionDays * DAY_MS)),
  };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
