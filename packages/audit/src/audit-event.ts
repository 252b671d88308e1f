import type { FhirResource } from '@fhir-bulk/fhir';
import { CLIENT_SYSTEM, type Coding, TENANT_SYSTEM } from './codes';

/** R4 AuditEvent.action: Create, Read, Update, Delete, Execute. */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
/** R4 AuditEvent.outcome: success, minor failure (the client's), serious failure (the server's or the job's). */
export type AuditOutcome = '0' | '4' | '8';

interface Reference {
  reference?: string;
  identifier?: { system: string; value: string };
  display?: string;
}

export interface AuditEntity {
  what?: Reference;
  type?: Coding;
  role?: Coding;
  name?: string;
  /** base64 of the query or kick-off parameters (BALP Query). */
  query?: string;
  detail?: Array<{ type: string; valueString: string }>;
}

export interface AuditEvent extends FhirResource {
  resourceType: 'AuditEvent';
  type: Coding;
  subtype: Coding[];
  action: AuditAction;
  recorded: string;
  outcome: AuditOutcome;
  outcomeDesc?: string;
  agent: Array<{
    type: { coding: Coding[] };
    who: Reference;
    requestor: boolean;
    network?: { address: string; type: '2' };
  }>;
  source: { site: string; observer: { display: string }; type: Coding[] };
  entity: AuditEntity[];
}

/**
 * The client an event is about. `proven` is false for a refused token's asserted client id: nobody showed it is
 * that client, so it is named by identifier only and `AuditEvent?agent=` (a reference search) does not count it.
 */
export interface AuditClient {
  id?: string;
  name?: string;
  proven: boolean;
  /** The remote address of the request; worker events have none. */
  address?: string;
}

/** Which process recorded the event, at which public base URL. */
export interface AuditSource {
  site: string;
  observer: 'fhir-bulk api' | 'fhir-bulk worker';
}

/** What every event has: what happened, when, how it ended, who asked and where. */
export interface AuditFacts {
  type: Coding;
  subtype: Coding;
  action: AuditAction;
  recorded: Date;
  outcome: AuditOutcome;
  /** Why it failed; only with a failed outcome. */
  failure?: string;
  client: AuditClient;
  source: AuditSource;
  tenant: string;
  entities: AuditEntity[];
  /** Deterministic ids make a retried write harmless (worker events); the writer gives the others one. */
  id?: string;
}

const SYSTEM_OBJECT: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  code: '2',
  display: 'System Object',
};
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
/** outcomeDesc is for people reading a failure, not a copy of a large error. */
const MAX_FAILURE_CHARS = 500;
/** A kick-off body can be large ($import lists every input); an audit event keeps its first 16 KiB. */
const MAX_QUERY_CHARS = 16 * 1024;

export function auditEvent(facts: AuditFacts): AuditEvent {
  const failed = facts.outcome !== '0';
  return {
    resourceType: 'AuditEvent',
    ...(facts.id === undefined ? {} : { id: facts.id }),
    type: facts.type,
    subtype: [facts.subtype],
    action: facts.action,
    recorded: facts.recorded.toISOString(),
    outcome: facts.outcome,
    ...(failed ? { outcomeDesc: (facts.failure ?? 'failed').slice(0, MAX_FAILURE_CHARS) } : {}),
    agent: [clientAgent(facts.client)],
    source: {
      site: facts.source.site,
      observer: { display: facts.source.observer },
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    entity: [...facts.entities, tenantEntity(facts.tenant)],
  };
}

/** An HTTP status as an outcome: 4xx is the client's (minor) failure, 5xx the server's (serious). */
export const outcomeOfStatus = (status: number): AuditOutcome => (status < 400 ? '0' : status < 500 ? '4' : '8');

function clientAgent({ id, name, proven, address }: AuditClient): AuditEvent['agent'][number] {
  const who: Reference = {
    ...(proven && id !== undefined ? { reference: `Device/${id}` } : {}),
    ...(id === undefined ? {} : { identifier: { system: CLIENT_SYSTEM, value: id } }),
    ...(name === undefined ? {} : { display: name }),
  };
  return {
    type: {
      coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110153', display: 'Source Role ID' }],
    },
    who: id === undefined && name === undefined ? { display: 'unidentified client' } : who,
    requestor: true,
    ...(address === undefined ? {} : { network: { address, type: '2' } }),
  };
}

const tenantEntity = (tenant: string): AuditEntity => ({
  what: { identifier: { system: TENANT_SYSTEM, value: tenant }, display: `tenant ${tenant}` },
  type: SYSTEM_OBJECT,
});

/** The job an event is about: `AuditEvent?entity=Task/<jobId>` finds every event of the job. */
export const jobEntity = (kind: string, jobId: string, detail: Record<string, string | number> = {}): AuditEntity => ({
  what: { reference: `Task/${jobId}`, display: `${kind} job ${jobId}` },
  type: SYSTEM_OBJECT,
  role: { system: OBJECT_ROLE, code: '20', display: 'Job' },
  ...detailOf(detail),
});

/** A resource an event read or wrote (`Patient/123`), or the Group/Patient an export is of. */
export const resourceEntity = (type: string, id: string, versionId?: string): AuditEntity => ({
  what: { reference: versionId === undefined ? `${type}/${id}` : `${type}/${id}/_history/${versionId}` },
  type: { system: 'http://hl7.org/fhir/resource-types', code: type },
});

/** BALP Query: the request's query string or kick-off parameters, base64 as R4 has it. */
export function queryEntity(query: string, resourceType?: string): AuditEntity {
  const truncated = query.length > MAX_QUERY_CHARS;
  return {
    type: resourceType ? { system: 'http://hl7.org/fhir/resource-types', code: resourceType } : SYSTEM_OBJECT,
    role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
    query: Buffer.from(query.slice(0, MAX_QUERY_CHARS)).toString('base64'),
    ...(truncated ? detailOf({ 'query-truncated-at': MAX_QUERY_CHARS }) : {}),
  };
}

/** A job's file, with what was sent of it. */
export const fileEntity = (name: string, detail: Record<string, string | number>): AuditEntity => ({
  name,
  type: SYSTEM_OBJECT,
  role: { system: OBJECT_ROLE, code: '3', display: 'Report' },
  ...detailOf(detail),
});

function detailOf(detail: Record<string, string | number>): Pick<AuditEntity, 'detail'> {
  const entries = Object.entries(detail);
  return entries.length === 0 ? {} : { detail: entries.map(([type, value]) => ({ type, valueString: String(value) })) };
}

/** A valid FHIR id (letters, digits, `-`, `.`; at most 64) from parts such as a job id and a subtype. */
export const auditId = (...parts: string[]): string =>
  parts
    .join('-')
    .replace(/[^A-Za-z0-9\-.]/g, '-')
    .slice(0, 64);
