import { type ExportJobInput, NDJSON } from '@fhir-bulk/export';

/** A system-level export of Patients, as the API hands it to the workflow. */
export const patientExport = (tenant: string, jobId: string): ExportJobInput => ({
  jobId,
  tenant,
  transactionTime: '2026-01-01T00:00:00.000Z',
  requiresAccessToken: true,
  baseUrl: 'http://fhir.test',
  requestUrl: 'http://fhir.test/$export?_type=Patient',
  requestedBy: 'anonymous',
  level: 'system',
  types: ['Patient'],
  typesRequested: true,
  outputFormat: NDJSON,
  typeFilters: {},
  includeDeleted: false,
  allowPartialManifests: false,
  ignored: [],
});
