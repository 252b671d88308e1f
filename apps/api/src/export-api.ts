import type { Config } from '@fhir-bulk/config';
import { JobRecords } from '@fhir-bulk/jobs';
import type { ApiMetrics } from '@fhir-bulk/metrics';
import type { ObjectStore } from '@fhir-bulk/object-store';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import { presignManifest } from './manifest-urls';
import { statusSharing } from './async-jobs/status-snapshots';
import { PollThrottle } from './poll-throttle';
import type { ExportStatusDeps } from './routes/export-status';
import { TemporalExportJobs } from './temporal-export-jobs';

export type ExportApiConfig = Pick<
  Config,
  | 'TEMPORAL_TASK_QUEUE'
  | 'EXPORT_MAX_CONCURRENT_PER_TENANT'
  | 'JOB_TIMEOUT_HOURS'
  | 'JOB_STATUS_MIN_INTERVAL_SECONDS'
  | 'JOB_STATUS_SHARE_SECONDS'
  | 'EXPORT_MANIFEST_PAGE_SIZE'
  | 'EXPORT_FILE_ACCESS'
  | 'EXPORT_PRESIGNED_URL_TTL_SECONDS'
  | 'PUBLIC_BASE_URL'
>;

/** The export routes' dependencies from configuration; shared by main.ts and the test stack so both wire alike. */
export function createExportApi(
  config: ExportApiConfig,
  {
    client,
    db,
    objects,
    metrics,
    publicBaseUrl = config.PUBLIC_BASE_URL,
  }: { client: Client; db: Db; objects: ObjectStore; metrics: ApiMetrics; publicBaseUrl?: string },
): ExportStatusDeps {
  const retryAfterSeconds = Math.max(1, Math.ceil(config.JOB_STATUS_MIN_INTERVAL_SECONDS));
  const records = new JobRecords(db, 'export');
  return {
    records,
    jobs: new TemporalExportJobs(
      client,
      config.TEMPORAL_TASK_QUEUE,
      records,
      {
        maxConcurrentPerTenant: config.EXPORT_MAX_CONCURRENT_PER_TENANT,
        timeoutMs: config.JOB_TIMEOUT_HOURS * 3_600_000,
        retryAfterSeconds: 30,
      },
      metrics,
    ),
    objects,
    throttle: new PollThrottle(config.JOB_STATUS_MIN_INTERVAL_SECONDS * 1000),
    statusSharing: statusSharing(config.JOB_STATUS_SHARE_SECONDS),
    publicBaseUrl,
    retryAfterSeconds,
    manifestPageSize: config.EXPORT_MANIFEST_PAGE_SIZE,
    publishManifest:
      config.EXPORT_FILE_ACCESS === 'presigned'
        ? (tenant, jobId, manifest) =>
            presignManifest(manifest, objects, {
              tenant,
              jobId,
              expiresInSeconds: config.EXPORT_PRESIGNED_URL_TTL_SECONDS,
            })
        : async (_tenant, _jobId, manifest) => manifest,
  };
}
