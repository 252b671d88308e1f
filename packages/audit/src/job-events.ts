import { type AuditEvent, auditEvent, auditId, type AuditSource, jobEntity } from './audit-event';
import type { AuditSink } from './audit-trail';
import { type AuditJobKind, bulkSubtype, typeOfJob } from './codes';

/** How a job ended in the worker, with its figures (the product spec's audit example: who, what, how many). */
export interface JobEndFacts {
  kind: AuditJobKind;
  jobId: string;
  tenant: string;
  /** The client that started the job. */
  requestedBy: string;
  ended: 'complete' | 'failed';
  failure?: string;
  /** A completed job's figures: resources, files and bytes written (export) or imported and read (import). */
  figures?: { records: number; files: number; bytes: number };
  recorded: Date;
  source: AuditSource;
}

/**
 * A job's completion or failure. Its id is the job's and the subtype's, so a retried finishing activity writes
 * the same event again, which the create-only write leaves as it was.
 */
export function jobEndEvent(facts: JobEndFacts): AuditEvent {
  const subtype = `${facts.kind}-${facts.ended}` as const;
  return auditEvent({
    id: auditId(facts.jobId, subtype),
    type: typeOfJob(facts.kind),
    subtype: bulkSubtype(subtype),
    action: 'E',
    recorded: facts.recorded,
    outcome: facts.ended === 'complete' ? '0' : '8',
    ...(facts.failure === undefined ? {} : { failure: facts.failure }),
    client: { id: facts.requestedBy, proven: true },
    source: facts.source,
    tenant: facts.tenant,
    entities: [
      jobEntity(
        facts.kind,
        facts.jobId,
        facts.figures && {
          'record-count': facts.figures.records,
          'file-count': facts.figures.files,
          'total-bytes': facts.figures.bytes,
        },
      ),
    ],
  });
}

/** How the worker records job events: straight to the store, awaited, inside the finishing activity. */
export interface JobAudit {
  sink: AuditSink;
  source: AuditSource;
}

export const recordJobEnd = (audit: JobAudit, facts: Omit<JobEndFacts, 'source'>): Promise<void> =>
  audit.sink.write(facts.tenant, [jobEndEvent({ ...facts, source: audit.source })]);
