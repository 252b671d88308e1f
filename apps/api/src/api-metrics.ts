import { JobRecords } from '@fhir-bulk/jobs';
import { ApiMetrics, newRegistry } from '@fhir-bulk/metrics';
import type { Db } from 'mongodb';

/**
 * The API process's metrics, in a registry of its own; storage held per tenant is read from the export job records,
 * at most once per `storageCacheMs` (ApiMetrics' default; tests read it fresh).
 */
export function createApiMetrics(db: Db, storageCacheMs?: number): ApiMetrics {
  const exports = new JobRecords(db, 'export');
  return new ApiMetrics(newRegistry(), () => exports.storedBytesByTenant(), storageCacheMs);
}
