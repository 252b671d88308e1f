import type { Principal } from '@fhir-bulk/auth';
import { type JobKind, type JobPath, type JobRecord, jobStatusUrl, PAGE_PARAMETER } from '@fhir-bulk/jobs';
import type { ObjectStore } from '@fhir-bulk/object-store';
import { type Request, type Response, Router } from 'express';
import { baseUrlOf, tenantOf } from '../fhir-base';
import { sendObject } from '../object-download';
import type { PollThrottle } from '../poll-throttle';
import type { JobRecordReader } from '../job-interfaces';
import { jobAccess } from './job-access';
import { cancelAccepted, cancelNotFound, fileNotFound, polledTooSoon } from './job-outcomes';
import { type StatusSharing, StatusSnapshots } from './status-snapshots';

/** One status poll, as an operation's renderer sees it. */
/**
 * The start of every 202 a status poll answers while its job runs (export, import, view export, `$bulk-submit`):
 * the progress for people to read and when to poll again. The caller sends the body (empty, a partial manifest or
 * Parameters).
 */
export const stillRunning = (res: Response, progress: string, retryAfterSeconds: number): Response =>
  res.status(202).set({ 'X-Progress': progress, 'Retry-After': String(retryAfterSeconds) });

export interface PollContext {
  tenant: string;
  jobId: string;
  /** `?page=` of a paged manifest (1 when absent or not a positive integer). */
  page: number;
  statusUrl: string;
}

/** Where a job's files are in S3, and which names it writes (nothing else is ever looked up). */
export interface JobFiles {
  objects: ObjectStore;
  names: RegExp;
  prefix(tenant: string, jobId: string): string;
}

export interface JobRoutesOptions<S> {
  /** The job records' kind and the word in messages (job-outcomes.ts). */
  kind: JobKind;
  /** `_export`: the status URL is `[base]/{path}/{jobId}` (JOB_PATHS). */
  path: JobPath;
  /** More status paths for the same jobs (the IG's `$bulk-export-status`). */
  aliases?: string[];
  records: JobRecordReader;
  /** Checks the token of each request under the job's URL, once ownership is settled (see jobAccess). */
  authorize?: (principal: Principal, record: JobRecord) => void;
  throttle: PollThrottle;
  /** How polls of one job share status lookups (JOB_STATUS_SHARE_SECONDS). */
  sharing: StatusSharing;
  publicBaseUrl: string;
  status(tenant: string, jobId: string): Promise<S>;
  /** Answers a poll from the job's status (or throws its OperationOutcomeError). */
  answer(res: Response, status: S, poll: PollContext): Promise<void> | void;
  /** False when there is no such job (any more). */
  cancel(tenant: string, jobId: string): Promise<boolean>;
  /** `[base]/{path}/{jobId}/files/{name}`, if the job has files to download. */
  files?: JobFiles;
}

/**
 * The asynchronous request pattern shared by every bulk operation (export, import, view export): under
 * `[base]/{path}/{jobId}`, ownership first (only the job's client or an admin; 404 for anyone else), then the
 * status poll (429 + Retry-After when polled too often; lookups shared as `sharing` says), DELETE to cancel, and
 * the job's files.
 */
export function jobRoutes<S>(options: JobRoutesOptions<S>): Router {
  const { kind, path, aliases = [], records, throttle } = options;
  const router = Router({ mergeParams: true });
  router.use(jobAccess([path, ...aliases], records, kind, options.authorize));
  const jobIdOf = (req: Request) => (req.params as { jobId: string }).jobId;
  const snapshots = new StatusSnapshots(options.status, options.sharing);

  const poll = async (req: Request, res: Response) => {
    const jobId = jobIdOf(req);
    const tenant = tenantOf(req);
    const wait = throttle.check(`${kind}/${tenant}/${jobId}`);
    if (wait > 0) throw polledTooSoon(wait);
    const page = Number(req.query[PAGE_PARAMETER] ?? 1);
    const statusUrl = jobStatusUrl(baseUrlOf(options.publicBaseUrl, req), path, jobId);
    const context = { tenant, jobId, page: Number.isInteger(page) && page > 0 ? page : 1, statusUrl };
    await options.answer(res, await snapshots.status(tenant, jobId), context);
  };
  for (const statusPath of [path, ...aliases]) router.get(`/${statusPath}/:jobId`, poll);

  router.delete(`/${path}/:jobId`, async (req, res) => {
    const jobId = jobIdOf(req);
    if (!(await options.cancel(tenantOf(req), jobId))) throw cancelNotFound(kind, jobId);
    res.status(202).json(cancelAccepted(kind, jobId));
  });

  const { files } = options;
  if (files) {
    // HEAD is answered by the same route (Express routes HEAD to GET): headers without reading the object.
    router.get(`/${path}/:jobId/files/:name`, async (req, res) => {
      const jobId = jobIdOf(req);
      const { name } = req.params as { name: string };
      const missing = () => fileNotFound(kind, jobId, name);
      if (!files.names.test(name)) throw missing();
      await sendObject(req, res, files.objects, `${files.prefix(tenantOf(req), jobId)}${name}`, missing);
    });
  }
  return router;
}
