import { mayBulkWrite, requirePermission } from '@fhir-bulk/auth';
import { type FhirVersion, OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import {
  applySubmit,
  checkInput,
  type ImportInput,
  type ManifestSource,
  parseBulkSubmit,
  planSubmit,
  readSubmittedManifest,
  submissionRecordId,
  type SubmittedManifest,
} from '@fhir-bulk/import';
import { Router } from 'express';
import { logJobStarted, newJob } from '../async-jobs/new-job';
import { importTypesUnwritable } from '../async-jobs/job-outcomes';
import { principalOf } from '../auth/principal-of';
import type { ImportJobs, SubmissionStore } from '../job-interfaces';
import { operationBody } from '../operation-body';
import { fhirVersionOf } from '../tenant-version';

export interface BulkSubmitDeps {
  jobs: ImportJobs;
  submissions: SubmissionStore;
  manifests: ManifestSource;
}

/**
 * `POST [base]/$bulk-submit` (Bulk Data IG 4.0.0-ballot): adds a manifest to a submission, replaces one, or ends
 * the submission (`completed`, `stopped`); answers 200 with an informational OperationOutcome. Each manifest's
 * files become one `$import` job (IncrementalLoad: a file submitted twice changes nothing), checked first like
 * `$import` inputs: the manifest and every file it names must be within the tenant's import sources, and the client
 * needs `bulk-import/write` and create and update scopes for every file's type. Everything refused is a 4xx
 * naming the parameter, before the submission changes.
 */
export function bulkSubmitRoutes(deps: BulkSubmitDeps, publicBaseUrl: string): Router {
  const router = Router({ mergeParams: true });
  router.post('/\\$bulk-submit', async (req, res) => {
    const principal = principalOf(req);
    requirePermission(principal, 'bulk-import/write');
    const request = parseBulkSubmit(operationBody(req, '$bulk-submit'), fhirVersionOf(req));
    const job = newJob(req, publicBaseUrl);
    const id = submissionRecordId(job.tenant, request);
    const submission = (await deps.submissions.find(id)) ?? undefined;
    const plan = planSubmit(submission, request, principal.clientId);
    if (plan.kind === 'repeat') {
      res.status(200).json(informational(`Submission ${request.submissionId}: this request was already applied`));
      return;
    }
    if (plan.replace) await refuseImported(deps.jobs, job.tenant, plan.replace);
    const inputs = plan.add
      ? await submittedInputs(plan.add.manifestUrl, job.tenant, deps.manifests, fhirVersionOf(req))
      : [];
    const denied = [...new Set(inputs.map((input) => input.type))].filter((t) => !mayBulkWrite(principal, t));
    if (denied.length > 0) {
      throw importTypesUnwritable(denied);
    }
    const jobId = inputs.length > 0 ? job.jobId : undefined;
    const start = { _id: id, tenant: job.tenant, requestedBy: job.requestedBy, createdAt: job.transactionTime };
    const next = applySubmit(
      submission,
      plan,
      { ...start, submitter: request.submitter, submissionId: request.submissionId },
      jobId,
    );
    if (!(await deps.submissions.save(next))) {
      const message = `Submission ${request.submissionId} changed while this request was checked; send it again`;
      throw new OperationOutcomeError(409, outcome('error', 'conflict', message));
    }
    if (jobId) {
      await deps.jobs.start({ inputFormat: 'application/fhir+ndjson', mode: 'IncrementalLoad', inputs, ...job });
      logJobStarted(req, job, 'import');
    }
    await Promise.all(plan.cancel.map((cancelled) => deps.jobs.cancel(job.tenant, cancelled)));
    res
      .status(200)
      .json(informational(`Submission ${request.submissionId} is ${next.status}; ${summary(next.manifests)}`));
  });
  return router;
}

/** The manifest's files, each checked as an `$import` input is (`input[i]` is the manifest's i-th file). */
async function submittedInputs(
  manifestUrl: string,
  tenant: string,
  source: ManifestSource,
  fhirVersion: FhirVersion,
): Promise<ImportInput[]> {
  const inputs = await readSubmittedManifest(manifestUrl, tenant, source, fhirVersion);
  await Promise.all(
    inputs.map((input, index) =>
      checkInput(tenant, input, index, source.checks).catch((error: unknown) => {
        if (!(error instanceof OperationOutcomeError)) throw error;
        const [issue] = error.outcome.issue;
        const message = `manifestUrl ${manifestUrl} names a file this server may not read: ${error.message}`;
        throw new OperationOutcomeError(error.status, outcome('error', issue!.code, message, 'manifestUrl'));
      }),
    ),
  );
  return inputs;
}

/**
 * The IG asks the Data Consumer to replace a manifest's data; this server can stop an import still running (its
 * resources written so far stay, the replacement upserts over them) but cannot take back one that finished.
 */
async function refuseImported(jobs: ImportJobs, tenant: string, replaced: SubmittedManifest): Promise<void> {
  if (!replaced.jobId) return;
  const status = await jobs.status(tenant, replaced.jobId);
  if (status.state === 'running') return;
  const message = `replacesManifestUrl ${replaced.manifestUrl} is already imported; this server cannot remove its data`;
  throw new OperationOutcomeError(409, outcome('error', 'conflict', message, 'replacesManifestUrl'));
}

const summary = (manifests: SubmittedManifest[]) => {
  const active = manifests.filter((m) => !m.replaced).length;
  return `${active} manifest${active === 1 ? '' : 's'} submitted`;
};

const informational = (message: string) => outcome('information', 'informational', message);
