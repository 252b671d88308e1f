import { mayAccessJob, type Principal } from '@fhir-bulk/auth';
import { isGone, type JobKind, type JobRecord } from '@fhir-bulk/jobs';
import { type RequestHandler, Router } from 'express';
import { principalOf } from '../auth/principal-of';
import { JOB_ID, tenantOf } from '../fhir-base';
import type { JobRecordReader } from '../job-interfaces';
import { jobNotFound } from './job-outcomes';

/**
 * The one ownership check of every job URL (`[base]/{path}/{jobId}` and all below it: status, cancel, files,
 * error files): a job answers only the client that started it, in the tenant it ran in, or an admin. Anyone else
 * is told it does not exist (404), so job ids leak nothing. Owners come from the job record, written at kick-off.
 * A job cancelled, deleted or expired is gone for everyone at once, its files too, before the purge has run.
 * `authorize` then checks the request's token against the job (it throws an OperationOutcomeError to refuse).
 */
export function jobAccess(
  paths: string[],
  records: JobRecordReader,
  kind: JobKind,
  authorize?: (principal: Principal, record: JobRecord) => void,
): Router {
  const router = Router({ mergeParams: true });
  const check: RequestHandler = async (req, _res, next) => {
    const { jobId } = req.params as { jobId: string };
    if (!JOB_ID.test(jobId)) throw jobNotFound(kind, jobId);
    const record = await records.find(jobId);
    const owned = record && record.tenant === tenantOf(req) && mayAccessJob(principalOf(req), record.requestedBy);
    if (!owned || isGone(record)) throw jobNotFound(kind, jobId);
    authorize?.(principalOf(req), record);
    next();
  };
  for (const path of paths) router.use(`/${path}/:jobId`, check);
  return router;
}
