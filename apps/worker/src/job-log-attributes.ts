import type { JobKind } from '@fhir-bulk/jobs';
import { EXPORT_WORKFLOW, IMPORT_WORKFLOW, PURGE_EXPORT_WORKFLOW } from '@fhir-bulk/workflow-contract';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * The job kind of a job workflow's type; undefined for workflows that are no single job's (retention). A view export
 * is an export here, as in the `BulkKind` search attribute: one kind per job in the logs and the Temporal UI alike.
 */
export function jobKindOfWorkflow(workflowType: string): JobKind | undefined {
  if (workflowType === EXPORT_WORKFLOW || workflowType === PURGE_EXPORT_WORKFLOW) return 'export';
  if (workflowType === IMPORT_WORKFLOW) return 'import';
  return undefined;
}

/** The job fields an activity's input carries: the job input itself, or `{ job, … }` beside a partition or file. */
interface JobFields {
  jobId?: unknown;
  tenant?: unknown;
  requestId?: unknown;
}
interface ActivityInput extends JobFields {
  job?: JobFields;
  partition?: { type: string; index: number; kind: string };
  file?: { type: string; index: number };
}

/**
 * What every log line of one activity says about its job: `jobId`, `tenant`, `kind`, the kick-off's `requestId`, and
 * the export partition or import file it works on; read from its input.
 */
export function jobLogAttributes(input: unknown, workflowType: string | undefined): Record<string, unknown> {
  if (typeof input !== 'object' || input === null) return {};
  const { job: nested, partition, file } = input as ActivityInput;
  const job = nested ?? (input as JobFields);
  const kind = workflowType === undefined ? undefined : jobKindOfWorkflow(workflowType);
  return {
    ...(typeof job.jobId === 'string' ? { jobId: job.jobId } : {}),
    ...(typeof job.tenant === 'string' ? { tenant: job.tenant } : {}),
    ...(kind ? { kind } : {}),
    ...(typeof job.requestId === 'string' ? { requestId: job.requestId } : {}),
    // Flat, so a line filter can say `partition == 0` or `type == "Observation"`.
    ...(partition ? { type: partition.type, partition: partition.index, partitionKind: partition.kind } : {}),
    ...(file ? { type: file.type, file: file.index } : {}),
  };
}

/**
 * Adds jobLogAttributes to every line logged during an activity: its own `Context.current().log` lines and the
 * SDK's lines about it (retries, failures), so no activity has to repeat them.
 */
export const jobLogInterceptors: ActivityInterceptorsFactory = (context) => {
  let attributes: Record<string, unknown> = {};
  return {
    inbound: {
      execute(input, next) {
        attributes = jobLogAttributes(input.args[0], context.info.workflowType);
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next({ ...input, ...attributes });
      },
    },
  };
};
