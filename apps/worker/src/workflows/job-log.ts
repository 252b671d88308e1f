import type { JobKind } from '@fhir-bulk/jobs';

/**
 * What a workflow's own `log` lines say about its job, as activities' lines do (job-log-attributes.ts): the SDK adds
 * only its workflow fields, and the workflow sandbox cannot run the activities' interceptor.
 */
export const jobLogFields = (kind: JobKind, job: { jobId: string; tenant: string; requestId?: string }) => ({
  jobId: job.jobId,
  tenant: job.tenant,
  kind,
  ...(job.requestId === undefined ? {} : { requestId: job.requestId }),
});
