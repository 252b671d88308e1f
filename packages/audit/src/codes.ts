/**
 * The codes of this server's AuditEvents, after IHE Basic Audit Log Patterns (BALP). docs/audit.md lists every
 * subtype with when it is written.
 */
export interface Coding {
  system: string;
  code: string;
  display?: string;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
/** The system of this server's own subtypes (bulk operations and tokens have no standard code). */
export const AUDIT_SUBTYPE_SYSTEM = 'urn:fhir-bulk:audit';
export const RESTFUL_INTERACTION_SYSTEM = 'http://hl7.org/fhir/restful-interaction';
/** The system of a client id in `agent.who.identifier` (client ids are the registry's UUIDs). */
export const CLIENT_SYSTEM = 'urn:fhir-bulk:client';
export const TENANT_SYSTEM = 'urn:fhir-bulk:tenant';

export const EVENT_TYPES = {
  rest: {
    system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
    code: 'rest',
    display: 'RESTful Operation',
  },
  export: { system: DCM, code: '110106', display: 'Export' },
  import: { system: DCM, code: '110107', display: 'Import' },
  authentication: { system: DCM, code: '110114', display: 'User Authentication' },
} satisfies Record<string, Coding>;

/** The FHIR restful-interaction codes a REST request is recorded under. */
export type RestAuditInteraction =
  | 'read'
  | 'vread'
  | 'search-type'
  | 'search-system'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'create'
  | 'update'
  | 'delete'
  | 'transaction'
  | 'batch'
  | 'operation';

/** The asynchronous jobs, by the word their subtypes start with. */
export type AuditJobKind = 'export' | 'import' | 'view-export';
/** What a kick-off starts: `$bulk-submit` starts an import of another server's export. */
export type KickoffOperation = AuditJobKind | 'bulk-submit';

/** Every subtype of `urn:fhir-bulk:audit`. */
export type BulkSubtype =
  | `${KickoffOperation}-kickoff`
  | `${AuditJobKind}-complete`
  | `${AuditJobKind}-failed`
  | `${AuditJobKind}-cancel`
  | 'file-download'
  | 'token-issued'
  | 'token-refused';

export const bulkSubtype = (code: BulkSubtype): Coding => ({ system: AUDIT_SUBTYPE_SYSTEM, code });
export const restSubtype = (code: RestAuditInteraction): Coding => ({ system: RESTFUL_INTERACTION_SYSTEM, code });

/** Imports (and `$bulk-submit`) bring data in; everything else of a job takes data out. */
export const typeOfJob = (kind: KickoffOperation): Coding =>
  kind === 'import' || kind === 'bulk-submit' ? EVENT_TYPES.import : EVENT_TYPES.export;
