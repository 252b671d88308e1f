import { badRequest, forbidden, OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import { createHash } from 'node:crypto';
import type { BulkSubmitRequest, SubmissionKey, SubmissionStatus } from './submit-request';

/**
 * A `$bulk-submit` submission's state and its transitions (Bulk Data IG 4.0.0-ballot, submit.html): manifests are
 * added while it is `in-progress`; `completed` says no more will come; `stopped` abandons it. After either, no
 * further request may change it (a repeat of the last one is answered as before). Each manifest with files is one
 * import job, so its files are imported by the `$import` machinery.
 */

export interface SubmittedManifest {
  manifestUrl: string;
  fhirBaseUrl?: string;
  /** The import job of its files; absent when the manifest names none. */
  jobId?: string;
  /** Replaced (or withdrawn) by a later request's `replacesManifestUrl`: its job was cancelled. */
  replaced?: boolean;
}

export interface Submission extends SubmissionKey {
  /** submissionRecordId(tenant, key): one record per submitter, submission id and tenant. */
  _id: string;
  tenant: string;
  /** The client that started it: the only one (besides admins) that may add to it or read its status. */
  requestedBy: string;
  status: SubmissionStatus;
  manifests: SubmittedManifest[];
  /** Bumped by every change: a change is saved only over the revision it was computed from. */
  revision: number;
  createdAt: string;
}

/** A record id fit for a status URL (`[A-Za-z0-9-]`), the same for every request naming the same submission. */
export function submissionRecordId(tenant: string, { submitter, submissionId }: SubmissionKey): string {
  const key = JSON.stringify([tenant, submitter.system, submitter.value, submissionId]);
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

/** What a request does to a submission; `repeat` is a request already applied (answered, changing nothing). */
export type SubmitPlan =
  | { kind: 'repeat' }
  | {
      kind: 'change';
      status: SubmissionStatus;
      /** A new manifest to import. */
      add?: Pick<SubmittedManifest, 'manifestUrl' | 'fhirBaseUrl'>;
      /** The manifest it replaces or withdraws. */
      replace?: SubmittedManifest;
      /** Import jobs to cancel: the replaced manifest's, or every one when the submission is stopped. */
      cancel: string[];
    };

export function planSubmit(
  submission: Submission | undefined,
  request: BulkSubmitRequest,
  clientId: string,
): SubmitPlan {
  if (submission && submission.requestedBy !== clientId) {
    throw forbidden(`Submission ${request.submissionId} of this submitter was started by another client`);
  }
  const manifests = submission?.manifests ?? [];
  const active = manifests.filter((m) => !m.replaced);
  const known = request.manifestUrl && manifests.some((m) => m.manifestUrl === request.manifestUrl);
  if (known && request.replacesManifestUrl) {
    throw badRequest(`manifestUrl ${request.manifestUrl} was already submitted in this submission`, 'manifestUrl');
  }
  const replace = request.replacesManifestUrl
    ? active.find((m) => m.manifestUrl === request.replacesManifestUrl)
    : undefined;
  if (request.replacesManifestUrl && !replace) {
    const message = `replacesManifestUrl ${request.replacesManifestUrl} is no manifest of this submission`;
    throw badRequest(message, 'replacesManifestUrl');
  }
  if (request.submissionStatus === 'stopped' && (request.manifestUrl || replace)) {
    throw badRequest('A stopped submission takes no manifestUrl or replacesManifestUrl', 'submissionStatus');
  }
  const current = submission?.status ?? 'in-progress';
  const add = request.manifestUrl && !known;
  if (!add && !replace && request.submissionStatus === current && submission) return { kind: 'repeat' };
  if (current !== 'in-progress') {
    const message = `Submission ${request.submissionId} is ${current}: it takes no further requests`;
    throw new OperationOutcomeError(409, outcome('error', 'conflict', message, 'submissionStatus'));
  }
  const jobs = (list: SubmittedManifest[]) => list.flatMap((m) => (m.jobId ? [m.jobId] : []));
  return {
    kind: 'change',
    status: request.submissionStatus,
    ...(add ? { add: { manifestUrl: request.manifestUrl!, fhirBaseUrl: request.fhirBaseUrl! } } : {}),
    ...(replace ? { replace } : {}),
    cancel: request.submissionStatus === 'stopped' ? jobs(active) : replace ? jobs([replace]) : [],
  };
}

/** The submission after a `change` plan, `jobId` being the new manifest's import job (if it has files). */
export function applySubmit(
  submission: Submission | undefined,
  plan: Extract<SubmitPlan, { kind: 'change' }>,
  start: Pick<Submission, '_id' | 'tenant' | 'requestedBy' | 'createdAt'> & SubmissionKey,
  jobId?: string,
): Submission {
  const base = submission ?? { ...start, status: 'in-progress', manifests: [], revision: 0 };
  const manifests = base.manifests.map((m) =>
    m.manifestUrl === plan.replace?.manifestUrl ? { ...m, replaced: true } : m,
  );
  if (plan.add) manifests.push({ ...plan.add, ...(jobId ? { jobId } : {}) });
  return { ...base, status: plan.status, manifests, revision: base.revision + 1 };
}
