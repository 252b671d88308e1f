/** Describes the server to clients (`GET [base]/metadata`); lists only what is implemented. */
export interface CapabilityOptions {
  baseUrl: string;
  software: { name: string; version: string };
  /** When the server started, reported as the statement's date. */
  date: string;
  resourceTypes: string[];
}

const BULK_EXPORT_IG = 'http://hl7.org/fhir/uv/bulkdata/ImplementationGuide/hl7.fhir.uv.bulkdata';

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
    implementationGuide: [BULK_EXPORT_IG],
    rest: [
      {
        mode: 'server',
        resource: options.resourceTypes.map((type) => ({ type })),
        operation: [
          { name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' },
          // No published OperationDefinition yet: the $import draft (as the Microsoft FHIR server implements it).
          { name: 'import', definition: `${options.baseUrl}/OperationDefinition/import` },
        ],
      },
    ],
  };
}
