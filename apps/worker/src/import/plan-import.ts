import { OperationOutcomeError } from '@fhir-bulk/fhir';
import {
  checkInput,
  type ImportJobInput,
  type PlannedFile,
  recordedImport,
  resolveImportSource,
  tenantSourcePolicy,
} from '@fhir-bulk/import';
import type { ImportDeps } from './deps';
import { importError } from './import-error';

/**
 * Records the job and plans its files: each input is resolved again against this worker's policy (kick-off did
 * it too, but the worker is the one that fetches) and its size and entity tag read once, so progress has a
 * total and every later read can insist on the same object. Safe to rerun.
 */
export async function planImport(deps: ImportDeps, job: ImportJobInput): Promise<ImportPlan> {
  await deps.jobs.started(recordedImport(job), deps.now());
  return {
    files: await Promise.all(job.inputs.map((input, index) => planFile(deps, job.tenant, input, index))),
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

/**
 * The same checks as kick-off (the worker is the one that fetches, under its own policy); a refusal now means the
 * input changed or vanished since, which no retry fixes. S3 or network faults stay retryable.
 */
async function planFile(deps: ImportDeps, tenant: string, input: ImportJobInput['inputs'][number], index: number) {
  const checks = {
    sources: deps.sources,
    sourceIo: deps.sourceIo,
    statS3: (bucket: string, key: string) => deps.inputs.statObject(bucket, key),
  };
  const checked = await checkInput(tenant, input, index, checks).catch((error: unknown) => {
    throw error instanceof OperationOutcomeError ? importError(`Input ${input.url}: ${error.message}`) : error;
  });
  const planned: PlannedFile = { index, type: input.type, inputUrl: input.url, ...checked };
  return planned;
}

/**
 * Before a file activity reads: the planned source must still be one the job's tenant may read under this
 * worker's configuration (a grant withdrawn since planning stops the read). Pure, no network.
 */
export function checkStillAllowed(deps: ImportDeps, tenant: string, file: PlannedFile): void {
  const { source } = file;
  const url = source.kind === 's3' ? `s3://${source.bucket}/${source.key}` : source.url;
  try {
    resolveImportSource(url, tenantSourcePolicy(deps.sources, tenant), `input[${file.index}].url`);
  } catch (error) {
    throw error instanceof OperationOutcomeError ? importError(`Input ${file.inputUrl}: ${error.message}`) : error;
  }
}
