import { mayAccessJob, requirePermission } from '@fhir-bulk/auth';
import {
  type ImportJobStatus,
  parseBulkSubmitStatus,
  type Submission,
  submissionRecordId,
  submitStatusAnswer,
} from '@fhir-bulk/import';
import { type Request, Router } from 'express';
import {
  importFailed,
  polledTooSoon,
  submissionNotFound,
  submissionStopped,
  submittedImportLost,
} from '../async-jobs/job-outcomes';
import { stillRunning } from '../async-jobs/job-routes';
import { principalOf } from '../auth/principal-of';
import { baseUrlOf, JOB_ID, tenantOf } from '../fhir-base';
import type { ImportJobs, SubmissionStore } from '../job-interfaces';
import { operationBody } from '../operation-body';
import type { PollThrottle } from '../poll-throttle';
import { fhirVersionOf } from '../tenant-version';

export interface BulkSubmitStatusDeps {
  jobs: ImportJobs;
  submissions: SubmissionStore;
  throttle: PollThrottle;
  retryAfterSeconds: number;
}

/**
 * `POST [base]/$bulk-submit-status` (Bulk Data IG 4.0.0-ballot) answers 202 with `Content-Location:
 * [base]/_bulk-submit/{id}`; polling that answers 202 + X-Progress until the submission is completed and every
 * manifest imported, then 200 with the Bulk Submit Status Manifest (submission-status.ts); 410 once stopped, and a
 * manifest whose import failed fails the poll naming it (422 when its files were at fault, else 500). A submission
 * answers only the client that started it (or an admin), in its tenant; anyone else is told it does not exist.
 */
export function bulkSubmitStatusRoutes(deps: BulkSubmitStatusDeps, publicBaseUrl: string): Router {
  const router = Router({ mergeParams: true });
  router.post('/\\$bulk-submit-status', async (req, res) => {
    requirePermission(principalOf(req), 'bulk-import/write');
    const key = parseBulkSubmitStatus(operationBody(req, '$bulk-submit-status'), fhirVersionOf(req));
    const submission = await ownSubmission(deps, req, submissionRecordId(tenantOf(req), key));
    res
      .status(202)
      .set('Content-Location', `${baseUrlOf(publicBaseUrl, req)}/_bulk-submit/${submission._id}`)
      .end();
  });
  router.get('/_bulk-submit/:id', async (req, res) => {
    const submission = await ownSubmission(deps, req, (req.params as { id: string }).id);
    const wait = deps.throttle.check(`bulk-submit/${submission._id}`);
    if (wait > 0) throw polledTooSoon(wait);
    const answer = submitStatusAnswer(submission, await jobStatuses(deps.jobs, submission), new Date());
    switch (answer.state) {
      case 'running':
        stillRunning(res, answer.progress, deps.retryAfterSeconds).end();
        return;
      case 'done':
        res.status(200).json(answer.manifest);
        return;
      case 'stopped':
        throw submissionStopped(submission.submissionId);
      case 'failed':
        throw importFailed(answer.message, answer.clientFault, answer.manifestUrl);
      case 'lost':
        throw submittedImportLost(answer.manifestUrl);
    }
  });
  return router;
}

async function ownSubmission(deps: BulkSubmitStatusDeps, req: Request, id: string): Promise<Submission> {
  const submission = JOB_ID.test(id) ? await deps.submissions.find(id) : null;
  const owned = submission?.tenant === tenantOf(req) && mayAccessJob(principalOf(req), submission.requestedBy);
  if (!submission || !owned) throw submissionNotFound(id);
  return submission;
}

/** The status of every import job of the submission's current manifests. */
async function jobStatuses(jobs: ImportJobs, submission: Submission): Promise<Map<string, ImportJobStatus>> {
  const ids = submission.manifests.flatMap((m) => (m.jobId && !m.replaced ? [m.jobId] : []));
  const statuses = await Promise.all(ids.map((id) => jobs.status(submission.tenant, id)));
  return new Map(ids.map((id, i) => [id, statuses[i]!]));
}
