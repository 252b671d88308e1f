/** Describes the server to clients (`GET [base]/metadata`); lists only what is implemented. */
export interface CapabilityOptions {
  baseUrl: string;
  software: { name: string; version: string };
  /** When the server started, reported as the statement's date. */
  date: string;
  resourceTypes: string[];
  /** SMART Backend Services endpoints, when the server asks for tokens (AUTH_MODE=smart). */
  oauth?: { token: string; register: string };
}

const BULK_EXPORT_IG = 'http://hl7.org/fhir/uv/bulkdata/ImplementationGuide/hl7.fhir.uv.bulkdata';
const SQL_ON_FHIR_IG = 'http://sql-on-fhir.org/ig';
const SQL_ON_FHIR = 'http://sql-on-fhir.org';

export function capabilityStatement(options: CapabilityOptions) {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    kind: 'instance',
    software: options.software,
    implementation: { description: 'fhir-bulk FHIR Bulk Data server', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    instantiates: ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'],
    implementationGuide: [BULK_EXPORT_IG, SQL_ON_FHIR_IG],
    rest: [
      {
        mode: 'server',
        ...(options.oauth ? { security: smartSecurity(options.oauth) } : {}),
        resource: options.resourceTypes.map((type) => ({ type })),
        operation: [
          {
            name: 'export',
            definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export',
            documentation:
              '_outputFormat application/fhir+ndjson, or application/vnd.apache.parquet with _viewDefinition ' +
              '(ids of stored ViewDefinitions): one set of Parquet files per view.',
          },
          // No published OperationDefinition yet: the $import draft (as the Microsoft FHIR server implements it).
          { name: 'import', definition: `${options.baseUrl}/OperationDefinition/import` },
          // ViewDefinition is not an R4 resource type (SQL on FHIR defines it as a logical model), so it has no
          // `resource` entry; it is stored and searched at [base]/ViewDefinition all the same.
          { name: 'viewdefinition-run', definition: `${SQL_ON_FHIR}/OperationDefinition/$viewdefinition-run` },
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

/** `rest.security` as SMART App Launch describes it: the SMART service and the OAuth endpoints' URIs. */
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
