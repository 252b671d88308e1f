import { type ExportJobInput, NDJSON } from '@fhir-bulk/export';
import type { ExportSettings } from '../src/export/deps';

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

/** Worker export settings for activity unit tests: small limits, with `overrides`. */
export const testExportSettings = (overrides: Partial<ExportSettings> = {}): ExportSettings => ({
  partitionConcurrency: 1,
  partitionSize: 1_000,
  recordLimits: { Patient: 2 },
  maxFileBytes: 1_000_000,
  partBytes: 5 * 1024 * 1024,
  heartbeatTimeoutSeconds: 30,
  retentionHours: 1,
  recordRetentionDays: 1,
  timeoutHours: 1,
  maxResources: 1_000,
  maxViewRowsPerResource: 10,
  ...overrides,
});
