import { mayBulkRead, type Principal } from '@fhir-bulk/auth';
import { type ExportManifest, jobPrefix, manifestPage, OUTPUT_FILE_NAME, progressText } from '@fhir-bulk/export';
import { JOB_PATHS, type JobPath, type JobRecord } from '@fhir-bulk/jobs';
import type { ObjectStore } from '@fhir-bulk/object-store';
import type { Response, Router } from 'express';
import { exportFailed, exportTypesUnreadable, jobNotFound } from '../async-jobs/job-outcomes';
import { jobRoutes, type PollContext, stillRunning } from '../async-jobs/job-routes';
import type { ExportJobs, ExportJobStatus, JobRecordReader } from '../job-interfaces';
import type { StatusSharing } from '../async-jobs/status-snapshots';
import type { PollThrottle } from '../poll-throttle';

export interface ExportStatusDeps {
  jobs: ExportJobs;
  /** Job records: who owns each job (apps/api/src/async-jobs/job-access.ts). */
  records: JobRecordReader;
  objects: ObjectStore;
  throttle: PollThrottle;
  /** How polls of one job share status lookups (JOB_STATUS_SHARE_SECONDS). */
  statusSharing: StatusSharing;
  publicBaseUrl: string;
  /** Seconds a client should wait between polls (Retry-After). */
  retryAfterSeconds: number;
  /** Files (output, then deleted) per manifest page for clients that allowed partial manifests. */
  manifestPageSize: number;
  /** Rewrites file URLs (presigned S3 URLs) before a manifest is sent; identity when files go through the API. */
  publishManifest: (tenant: string, jobId: string, manifest: ExportManifest) => Promise<ExportManifest>;
}

/**
 * How an operation answers a poll of a running or completed job: the Bulk Data IG's manifest (`$export`), or SQL
 * on FHIR's Parameters (`$viewdefinition-export`). Failures and unknown jobs are answered alike for both.
 */
export interface StatusBody {
  running(res: Response, status: Extract<ExportJobStatus, { state: 'running' }>, poll: PollContext): Promise<void>;
  completed(res: Response, manifest: ExportManifest, poll: PollContext): void;
}

/**
 * Status and cancel of export jobs under `[base]/{path}/{jobId}` (the shared job routes): 202 + X-Progress while
 * running, 200 when done, an OperationOutcome on failure, 404 once cancelled, deleted or expired. `files`: the
 * outputs are downloaded under this path (`_export`; view exports link to those same URLs).
 */
export function exportJobRoutes(
  deps: ExportStatusDeps,
  path: JobPath,
  body: StatusBody,
  { aliases = [], files = false }: { aliases?: string[]; files?: boolean } = {},
): Router {
  return jobRoutes({
    kind: 'export',
    path,
    aliases,
    records: deps.records,
    authorize: readsEveryType,
    throttle: deps.throttle,
    sharing: deps.statusSharing,
    publicBaseUrl: deps.publicBaseUrl,
    status: (tenant, jobId) => deps.jobs.status(tenant, jobId),
    answer: (res, status, poll) => answer(deps, body, res, status, poll),
    cancel: (tenant, jobId) => deps.jobs.cancel(tenant, jobId),
    ...(files ? { files: { objects: deps.objects, names: OUTPUT_FILE_NAME, prefix: jobPrefix } } : {}),
  });
}

/**
 * IG 3.0.0: status and output file requests "SHALL be protected the same way the Bulk Data Kick-off Request,
 * including an access token with scopes that cover all resources being exported" (a 403 naming the others, as the
 * kick-off answers): the job's owner polling with a narrower token than it exported with reads nothing.
 */
function readsEveryType(principal: Principal, record: JobRecord): void {
  const unreadable = record.types.filter((type) => !mayBulkRead(principal, type));
  if (unreadable.length === 0) return;
  throw exportTypesUnreadable(unreadable);
}

/** Bulk Data status: the manifest (paged for clients that allowed partial manifests). */
export function exportStatusRoutes(deps: ExportStatusDeps): Router {
  const manifestBody: StatusBody = {
    async running(res, status, poll) {
      stillRunning(res, progressText(status.progress), deps.retryAfterSeconds);
      // IG 3.0: a client that allowed partial manifests may be given the files finished so far, a full page at a
      // time, so that a page once returned never changes (manifestPage).
      const page = status.partial
        ? manifestPage(status.partial, poll.page, deps.manifestPageSize, poll.statusUrl, false)
        : undefined;
      if (page) {
        res.json(await deps.publishManifest(poll.tenant, poll.jobId, page));
      } else {
        res.end();
      }
    },
    completed(res, manifest) {
      res.json(manifest);
    },
  };
  // The IG's alternative status URL, for clients built against servers that use it.
  return exportJobRoutes(deps, JOB_PATHS.export, manifestBody, { aliases: ['\\$bulk-export-status'], files: true });
}

async function answer(
  deps: ExportStatusDeps,
  body: StatusBody,
  res: Response,
  status: ExportJobStatus,
  poll: PollContext,
) {
  switch (status.state) {
    case 'running':
      return body.running(res, status, poll);
    case 'completed': {
      const manifest = JSON.parse(await deps.objects.getText(status.manifestKey)) as ExportManifest;
      // IG 3.0: only a client that allowed partial manifests may be sent a page; others get every file at once.
      const page = status.paged
        ? manifestPage(manifest, poll.page, deps.manifestPageSize, poll.statusUrl, true)
        : manifest;
      res.status(200).set('Expires', status.expiresAt.toUTCString());
      body.completed(res, await deps.publishManifest(poll.tenant, poll.jobId, page), poll);
      return;
    }
    case 'failed':
      throw exportFailed(status.message, status.code);
    case 'gone':
      throw jobNotFound('export', poll.jobId);
  }
}
