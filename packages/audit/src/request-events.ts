import {
  type AuditAction,
  type AuditClient,
  type AuditEntity,
  type AuditEvent,
  auditEvent,
  type AuditSource,
  fileEntity,
  jobEntity,
  outcomeOfStatus,
  queryEntity,
  resourceEntity,
} from './audit-event';
import { bulkSubtype, EVENT_TYPES, type RestAuditInteraction, restSubtype, typeOfJob } from './codes';
import type { RequestClass } from './request-class';

/** What the API knows of a request once its response has ended. */
export interface RequestFacts {
  status: number;
  /** The OperationOutcome's words of a refused or failed request. */
  failure?: string;
  client: AuditClient;
  source: AuditSource;
  tenant: string;
  recorded: Date;
  /** The query string (without `?`), or a kick-off's Parameters body as JSON. */
  query?: string;
  /** A kick-off's new job, once it was given one. */
  jobId?: string;
  /** `Location` of a create or update (`…/Patient/1/_history/1`): the resource written. */
  location?: string;
  /** A download: body bytes written to the connection, how they were encoded, which range, and whether all went. */
  download?: { bytesSent: number; encoding?: string; range?: string; complete: boolean };
}

const REST_ACTIONS: Record<RestAuditInteraction, AuditAction> = {
  read: 'R',
  vread: 'R',
  'history-instance': 'R',
  'history-type': 'R',
  'history-system': 'R',
  // BALP records a search as an Execute of a query.
  'search-type': 'E',
  'search-system': 'E',
  create: 'C',
  update: 'U',
  delete: 'D',
  transaction: 'E',
  batch: 'E',
  operation: 'E',
};

/** The one AuditEvent of one request. */
export function requestEvent(request: RequestClass, facts: RequestFacts): AuditEvent {
  const common = {
    recorded: facts.recorded,
    outcome: outcomeOfStatus(facts.status),
    ...(facts.failure === undefined ? {} : { failure: facts.failure }),
    client: facts.client,
    source: facts.source,
    tenant: facts.tenant,
  };
  switch (request.kind) {
    case 'rest':
      return auditEvent({
        ...common,
        type: EVENT_TYPES.rest,
        subtype: restSubtype(request.interaction),
        action: REST_ACTIONS[request.interaction],
        entities: restEntities(request, facts),
      });
    case 'kickoff':
      return auditEvent({
        ...common,
        type: typeOfJob(request.operation),
        subtype: bulkSubtype(`${request.operation}-kickoff`),
        action: 'E',
        entities: [
          ...(facts.jobId === undefined ? [] : [jobEntity(request.operation, facts.jobId)]),
          ...(request.target ? [resourceEntity(request.target.type, request.target.id)] : []),
          queryEntity(facts.query ?? ''),
        ],
      });
    case 'cancel':
      return auditEvent({
        ...common,
        type: typeOfJob(request.job),
        subtype: bulkSubtype(`${request.job}-cancel`),
        action: 'D',
        entities: [jobEntity(request.job, request.jobId)],
      });
    case 'download': {
      const download = facts.download ?? { bytesSent: 0, complete: true };
      const incomplete = facts.status < 400 && !download.complete;
      return auditEvent({
        ...common,
        // A client that hangs up mid-file got part of it: its failure, recorded with what it did get.
        ...(incomplete ? { outcome: '4', failure: 'the connection closed before the whole response was sent' } : {}),
        type: EVENT_TYPES.export,
        subtype: bulkSubtype('file-download'),
        action: 'R',
        entities: [
          jobEntity(request.job, request.jobId),
          fileEntity(request.file, {
            'bytes-sent': download.bytesSent,
            ...(download.encoding ? { 'content-encoding': download.encoding } : {}),
            ...(download.range ? { range: download.range } : {}),
          }),
        ],
      });
    }
  }
}

function restEntities(request: Extract<RequestClass, { kind: 'rest' }>, facts: RequestFacts): AuditEntity[] {
  const written = writtenResource(facts.location);
  if (written) return [resourceEntity(written.type, written.id, written.versionId)];
  if (request.resourceType !== undefined && request.id !== undefined)
    return [resourceEntity(request.resourceType, request.id, request.versionId)];
  return facts.query ? [queryEntity(facts.query, request.resourceType)] : [];
}

/** `…/Patient/1/_history/2` → Patient 1 version 2. */
function writtenResource(location: string | undefined) {
  const match =
    location && /\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})\/_history\/([A-Za-z0-9\-.]{1,64})$/.exec(location);
  return match ? { type: match[1]!, id: match[2]!, versionId: match[3]! } : undefined;
}
