import type { FhirVersion } from './fhir-versions';

/** Describes the server to clients (`GET [base]/metadata`); lists only what is implemented. */
export interface CapabilityOptions {
  baseUrl: string;
  /** The FHIR version of the tenant whose [base] this is. */
  fhirVersion: FhirVersion;
  software: { name: string; version: string };
  /** When the server started, reported as the statement's date. */
  date: string;
  /** One entry per resource type, as the REST layer describes itself (@fhir-bulk/rest resourceCapability). */
  resources: readonly ResourceCapability[];
  /** Whole-system interactions (`transaction`, `batch`). */
  systemInteractions: readonly string[];
  /** The levels `$export` is kicked off at; each declares the Bulk Data IG's operation where it belongs. */
  exportLevels: readonly ExportLevel[];
  /** The URL of this server's own OperationDefinition of `$import` (the draft has no published one). */
  importDefinition: string;
  /** SMART Backend Services endpoints, when the server asks for tokens (AUTH_MODE=smart). */
  oauth?: { token: string; register: string };
}

/** A `CapabilityStatement.rest.resource` entry; the flags appear only when true. */
export interface ResourceCapability {
  type: string;
  interaction: Array<{ code: string }>;
  versioning?: 'versioned-update';
  readHistory?: true;
  updateCreate?: true;
  searchParam?: Array<{ name: string; type: string; definition?: string; documentation?: string }>;
  operation?: OperationCapability[];
}

export interface OperationCapability {
  name: string;
  definition: string;
  documentation?: string;
}

export type ExportLevel = 'system' | 'patient' | 'group';

/*
 * Operations are named by the canonical URLs their IGs publish them under (Bulk Data IG 3.0.0 and 4.0.0-ballot, SQL
 * on FHIR v2), as the IG's CapabilityStatement this one `instantiates` names them; clients resolve those from the IG
 * packages, so this server does not serve copies of them (a canonical reference need not resolve at its URL, and a
 * copy here would be a second version of a definition its IG owns). What the server leaves out of an operation is
 * said in its `documentation`. Only `$import`, which has no published definition, is defined and served here
 * (`importDefinition`).
 */
const BULK_EXPORT_IG = 'http://hl7.org/fhir/uv/bulkdata/ImplementationGuide/hl7.fhir.uv.bulkdata';
const BULK_DATA_OPERATIONS = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';
const SQL_ON_FHIR_IG = 'http://sql-on-fhir.org/ig';
const SQL_ON_FHIR = 'http://sql-on-fhir.org';

/** Where each export level's operation is declared (as the IG's own CapabilityStatement does): system or type. */
const EXPORT_OPERATIONS: Record<ExportLevel, { type?: string; operation: OperationCapability }> = {
  system: {
    operation: {
      name: 'export',
      definition: `${BULK_DATA_OPERATIONS}/export`,
      documentation:
        '_outputFormat application/fhir+ndjson, or application/vnd.apache.parquet with _viewDefinition ' +
        '(ids of stored ViewDefinitions): one set of Parquet files per view.',
    },
  },
  patient: { type: 'Patient', operation: { name: 'export', definition: `${BULK_DATA_OPERATIONS}/patient-export` } },
  group: { type: 'Group', operation: { name: 'export', definition: `${BULK_DATA_OPERATIONS}/group-export` } },
};

export function capabilityStatement(options: CapabilityOptions) {
  const exports = options.exportLevels.map((level) => EXPORT_OPERATIONS[level]);
  const typeOperations = (type: string) => exports.filter((e) => e.type === type).map((e) => e.operation);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    kind: 'instance',
    software: options.software,
    implementation: { description: 'fhir-bulk FHIR Bulk Data server', url: options.baseUrl },
    fhirVersion: options.fhirVersion,
    format: ['application/fhir+json'],
    instantiates: ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'],
    implementationGuide: [BULK_EXPORT_IG, SQL_ON_FHIR_IG],
    rest: [
      {
        mode: 'server',
        ...(options.oauth ? { security: smartSecurity(options.oauth) } : {}),
        resource: options.resources.map((resource) => {
          const operation = [...(resource.operation ?? []), ...typeOperations(resource.type)];
          return operation.length > 0 ? { ...resource, operation } : resource;
        }),
        interaction: options.systemInteractions.map((code) => ({ code })),
        operation: [
          ...exports.filter((e) => e.type === undefined).map((e) => e.operation),
          { name: 'import', definition: options.importDefinition },
          {
            name: 'bulk-submit',
            definition: `${BULK_DATA_OPERATIONS}/bulk-submit`,
            documentation:
              'Each manifest is imported as $import inputs (NDJSON, the same source policy); oauthMetadataUrl, ' +
              'fileRequestHeader, fileEncryptionKey, import and manifests with deleted or outputOrganizedBy are refused.',
          },
          { name: 'bulk-submit-status', definition: `${BULK_DATA_OPERATIONS}/bulk-submit-status` },
          // ViewDefinition is not an R4 resource type (SQL on FHIR defines it as a logical model), so it has no
          // `resource` entry; it is stored and searched at [base]/ViewDefinition all the same.
          {
            name: 'viewdefinition-run',
            definition: `${SQL_ON_FHIR}/OperationDefinition/$viewdefinition-run`,
            documentation: 'group and source are not supported.',
          },
          {
            name: 'viewdefinition-export',
            definition: `${SQL_ON_FHIR}/OperationDefinition/$viewdefinition-export`,
            documentation:
              '_format parquet, ndjson or csv (default ndjson); view (viewReference ViewDefinition/{id} or ' +
              'viewResource), patient, group (one), _since. clientTrackingId and source are not supported.',
          },
        ],
      },
    ],
  };
}

/**
 * `rest.security` as SMART App Launch describes it: the SMART service and the OAuth endpoints' URIs. `cors` is left
 * out: the API sends no CORS headers, and FHIR readers take a missing flag as false.
 */
function smartSecurity({ token, register }: { token: string; register: string }) {
  return {
    service: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
        text: 'OAuth2 using SMART Backend Services (client_credentials with a signed JWT assertion)',
      },
    ],
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'token', valueUri: token },
          { url: 'register', valueUri: register },
        ],
      },
    ],
    description: 'Access tokens from the token endpoint; discovery at [base]/.well-known/smart-configuration',
  };
}
