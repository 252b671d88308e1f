import {
  checkHttpSource,
  type ImportJobInput,
  type ImportSource,
  type PlannedFile,
  resolveImportSource,
} from '@fhir-bulk/import';
import type { ImportDeps } from './deps';
import { importError } from './import-error';
import type { InputInfo } from './input-reader';

/**
 * Records the job and plans its files: each input is resolved again against this worker's policy (kick-off did
 * it too, but the worker is the one that fetches) and its size and entity tag read once, so progress has a
 * total and every later read can insist on the same object. Safe to rerun.
 */
export async function planImport(deps: ImportDeps, job: ImportJobInput): Promise<ImportPlan> {
  await deps.jobs.started(recordedJob(job), deps.now());
  return {
    files: await Promise.all(job.inputs.map((input, index) => planFile(deps, input, index))),
    // The worker's settings travel through the plan, so the API needs none of them to start a job.
    maxConcurrentFiles: deps.settings.maxConcurrentFiles,
    heartbeatTimeoutSeconds: deps.settings.heartbeatTimeoutSeconds,
  };
}

export interface ImportPlan {
  files: PlannedFile[];
  maxConcurrentFiles: number;
  heartbeatTimeoutSeconds: number;
}

async function planFile(deps: ImportDeps, input: ImportJobInput['inputs'][number], index: number) {
  const parameter = `input[${index}].url`;
  let source: ImportSource;
  let info: InputInfo | undefined;
  try {
    source = resolveImportSource(input.url, deps.policy, parameter);
    if (source.kind === 'http') {
      // Redirects were followed (and checked) at kick-off and are again here; the file is read from the final URL.
      const checked = await checkHttpSource(input.url, deps.policy, deps.sourceIo, parameter);
      source = { kind: 'http', url: checked.url };
      info = checked;
    }
  } catch (error) {
    throw importError(`Input ${input.url} is not allowed or cannot be read: ${(error as Error).message}`);
  }
  if (source.kind === 's3') info = await deps.inputs.statObject(source.bucket, source.key);
  if (!info) throw importError(`Input ${input.url} does not exist`);
  if (input.etag && info.etag && input.etag !== info.etag) {
    throw importError(`Input ${input.url} has entity tag ${info.etag}, not ${input.etag}: it changed`);
  }
  const etag = input.etag ?? info.etag;
  const planned: PlannedFile = {
    index,
    type: input.type,
    inputUrl: input.url,
    source,
    size: info.size,
    ...(etag ? { etag } : {}),
  };
  return planned;
}

/** The job as its record and audit event see it: the types are the input files' types. */
export const recordedJob = (job: ImportJobInput) => ({
  jobId: job.jobId,
  tenant: job.tenant,
  requestedBy: job.requestedBy,
  requestUrl: job.requestUrl,
  types: [...new Set(job.inputs.map((input) => input.type))],
});
