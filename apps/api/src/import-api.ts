import type { Config } from '@fhir-bulk/config';
import { JobRecords } from '@fhir-bulk/jobs';
import type { ApiMetrics } from '@fhir-bulk/metrics';
import type { ServerObjectStore } from '@fhir-bulk/object-store';
import {
  defaultSourceIo,
  importBuckets,
  type ImportSources,
  type ManifestSource,
  SubmissionRecords,
} from '@fhir-bulk/import';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { InputChecks } from '@fhir-bulk/import';
import { statusSharing } from './async-jobs/status-snapshots';
import { PollThrottle } from './poll-throttle';
import type { SubmissionStore } from './job-interfaces';
import type { ImportStatusDeps } from './routes/import-status';
import { TemporalImportJobs } from './temporal-import-jobs';

export type ImportApiConfig = Pick<
  Config,
  | 'TEMPORAL_TASK_QUEUE'
  | 'JOB_TIMEOUT_HOURS'
  | 'JOB_STATUS_MIN_INTERVAL_SECONDS'
  | 'JOB_STATUS_SHARE_SECONDS'
  | 'IMPORT_S3_BUCKETS'
  | 'IMPORT_HTTP_ALLOWED_PREFIXES'
  | 'IMPORT_TENANT_ALLOWED_PREFIXES'
>;

export interface ImportApi extends ImportStatusDeps {
  checks: InputChecks;
  /** `$bulk-submit`: submissions, and how their manifests are read (under the same checks). */
  submissions: SubmissionStore;
  manifests: ManifestSource;
}

/** The import routes' dependencies from configuration; shared by main.ts and the test stack so both wire alike. */
export function createImportApi(
  config: ImportApiConfig,
  { client, db, objects, metrics }: { client: Client; db: Db; objects: ServerObjectStore; metrics: ApiMetrics },
): ImportApi {
  const sources: ImportSources = {
    s3Buckets: config.IMPORT_S3_BUCKETS,
    httpPrefixes: config.IMPORT_HTTP_ALLOWED_PREFIXES,
    tenantPrefixes: config.IMPORT_TENANT_ALLOWED_PREFIXES,
  };
  const buckets = new Map(importBuckets(sources).map((bucket) => [bucket, objects.inBucket(bucket)]));
  const records = new JobRecords(db, 'import');
  const checks: InputChecks = {
    sources,
    sourceIo: defaultSourceIo(),
    statS3: (bucket, key) => buckets.get(bucket)!.stat(key),
  };
  return {
    records,
    jobs: new TemporalImportJobs(
      client,
      config.TEMPORAL_TASK_QUEUE,
      records,
      objects,
      config.JOB_TIMEOUT_HOURS * 3_600_000,
      metrics,
    ),
    objects,
    throttle: new PollThrottle(config.JOB_STATUS_MIN_INTERVAL_SECONDS * 1000),
    statusSharing: statusSharing(config.JOB_STATUS_SHARE_SECONDS),
    retryAfterSeconds: Math.max(1, Math.ceil(config.JOB_STATUS_MIN_INTERVAL_SECONDS)),
    checks,
    submissions: new SubmissionRecords(db),
    manifests: { checks, readS3Text: (bucket, key) => buckets.get(bucket)!.getText(key) },
  };
}
