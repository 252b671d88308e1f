import {
  errorFileKey,
  errorLine,
  errorPartKey,
  furthest,
  type ImportCheckpoint,
  type ImportedFile,
  type ImportHeartbeat,
  type ImportJobInput,
  type PlannedFile,
  readLines,
} from '@fhir-bulk/import';
import { NDJSON } from '@fhir-bulk/export';
import { type FhirResource, type OperationOutcome, outcome } from '@fhir-bulk/fhir';
import { bulkLoad } from '@fhir-bulk/store';
import { Context } from '@temporalio/activity';
import { Readable } from 'node:stream';
import { timedAttempt } from '../attempt-metrics';
import { withHeartbeats } from '../heartbeats';
import { runPipeline } from './pipeline';
import type { ImportDeps } from './deps';
import { FileCheckpoints } from './file-checkpoints';
import { checkStillAllowed } from './plan-import';
import { type ParsedBatch, parsedBatches } from './parsed-batches';
import { StallWatch } from './stall-watch';

export interface ImportFileTask {
  /** The job without its input list: each file activity needs only its own file. */
  job: Omit<ImportJobInput, 'inputs'>;
  file: PlannedFile;
}

/** The last heartbeat's checkpoint, without what it said about stalls. */
function checkpointOf(heartbeat: ImportHeartbeat | undefined): ImportCheckpoint | undefined {
  if (!heartbeat) return undefined;
  const { stalledSeconds: _stalled, ...checkpoint } = heartbeat;
  return checkpoint;
}

/** Error lines buffered beyond this force a checkpoint (an S3 write), so memory stays bounded on bad files. */
const MAX_BUFFERED_ERROR_BYTES = 4 * 1024 * 1024;

const START: ImportCheckpoint = { offset: 0, line: 0, count: 0, errors: 0, errorParts: [] };

/**
 * Imports one input file: reads it from the last checkpoint's byte offset, parses and validates line by line,
 * and writes batches through `consumerCount` writers fed by a bounded channel. Writes are idempotent upserts, so
 * the batches a crashed attempt wrote after its last checkpoint are written again without a second version.
 */
export function importFile(deps: ImportDeps, task: ImportFileTask): Promise<ImportedFile> {
  return timedAttempt(
    () => importFileAttempt(deps, task),
    (seconds, failure) => deps.metrics.importFileEnded(task.file.type, seconds, failure),
  );
}

async function importFileAttempt(deps: ImportDeps, { job, file }: ImportFileTask): Promise<ImportedFile> {
  const { settings } = deps;
  const context = Context.current();
  // Where a resumed attempt starts: the recorded checkpoint is usually ahead of the (throttled) heartbeat's.
  const heartbeat = checkpointOf(context.info.heartbeatDetails as ImportHeartbeat | undefined);
  const recorded = context.info.attempt > 1 ? await deps.checkpoints.load(job.jobId, file.index) : undefined;
  const resumed = furthest(heartbeat, recorded) ?? START;
  if (resumed.offset > 0) deps.metrics.resumed('file');
  if (resumed !== START) {
    const from = { jobId: job.jobId, file: file.index, attempt: context.info.attempt, line: resumed.line };
    context.log.info('import file resumes', { ...from, source: resumed === recorded ? 'record' : 'heartbeat' });
  }
  const stalls = new StallWatch(resumed.offset, Date.now(), settings.stallWarningSeconds * 1000);
  // Between checkpoints the heartbeat also tells whether the file is stuck: a stall is logged once, and carried in
  // the heartbeat so status polls can say so (without it, a stuck file looks like a slow one for as long as it lasts).
  const withStall = (latest: ImportCheckpoint): ImportHeartbeat => {
    const { stalledSeconds, change } = stalls.observe(latest.offset, Date.now());
    const where = { jobId: job.jobId, tenant: job.tenant, file: file.index, offset: latest.offset };
    if (change === 'stalled') context.log.warn('import file makes no progress', { ...where, stalledSeconds });
    if (change === 'moving') context.log.info('import file moves again', where);
    return stalledSeconds > 0 ? { ...latest, stalledSeconds } : latest;
  };
  const imported = await withHeartbeats(
    resumed,
    (beat) => importFromCheckpoint(deps, { job, file }, resumed, beat),
    withStall,
  );
  // Job, tenant, kind, request id and file come from the activity's log attributes (job-log-attributes.ts).
  context.log.info('import file done', { resources: imported.count, errors: imported.errors });
  return imported;
}

/** Reads, checks and writes the file from `resumed` on; `beat` heartbeats each checkpoint once it is recorded. */
async function importFromCheckpoint(
  deps: ImportDeps,
  { job, file }: ImportFileTask,
  resumed: ImportCheckpoint,
  beat: (checkpoint: ImportCheckpoint) => void,
): Promise<ImportedFile> {
  const { settings } = deps;
  const context = Context.current();
  const checkpoints = new FileCheckpoints(resumed, {
    writeErrors: async (afterLine, text) => {
      const key = errorPartKey(job.tenant, job.jobId, file.index, afterLine, context.info.attempt);
      await deps.objects.put(key, text, NDJSON);
      return key;
    },
    onCheckpoint: async (checkpoint) => {
      await deps.checkpoints.save(job.jobId, file.index, checkpoint);
      beat(checkpoint);
    },
    intervalMs: settings.checkpointIntervalMs,
    maxErrorBytes: MAX_BUFFERED_ERROR_BYTES,
  });
  checkStillAllowed(deps, job.tenant, file);
  const chunks = await deps.inputs.open(file, resumed.offset);
  const lines = readLines(chunks, {
    startOffset: resumed.offset,
    startLine: resumed.line,
    maxLineBytes: settings.maxLineBytes,
  });
  const batches = parsedBatches(lines, {
    type: file.type,
    // The tenant's recorded version: the kick-off checked the inputs' types against the same record.
    fhirVersion: await deps.store.tenantVersions.versionOf(job.tenant),
    inputUrl: file.inputUrl,
    size: settings.batchSize,
    maxLineBytes: settings.maxLineBytes,
    startOffset: resumed.offset,
    onRejected: (reason) => deps.metrics.importLineRejected(file.type, reason),
  });
  const signal = context.cancellationSignal;
  await runPipeline(
    batches,
    { consumers: settings.consumerCount, capacity: settings.channelCapacity },
    async (batch) => {
      signal.throwIfAborted();
      let written = FileCheckpoints.writtenBefore(resumed, batch);
      if (!written) {
        written = await writeBatch(deps, job, file, batch);
        deps.metrics.importBatchWritten(file.type, written.written, batch.bytes);
      }
      await checkpoints.complete(written);
    },
  );
  const done = await checkpoints.checkpoint();
  const errorKey = done.errorParts.length > 0 ? await mergeErrorParts(deps, job, file, done.errorParts) : undefined;
  return {
    index: file.index,
    type: file.type,
    inputUrl: file.inputUrl,
    count: done.count,
    errors: done.errors,
    ...(errorKey ? { errorKey } : {}),
  };
}

/** Writes a batch's resources; under InitialLoad, ids that exist with other content become error lines. */
async function writeBatch(deps: ImportDeps, job: ImportFileTask['job'], file: PlannedFile, batch: ParsedBatch) {
  const result = await bulkLoad(deps.store, job.tenant, batch.resources, { createOnly: job.mode === 'InitialLoad' });
  const errors = [...batch.errors];
  const report = (resource: FhirResource, problem: OperationOutcome) => {
    deps.metrics.importLineRejected(file.type, problem.issue[0]!.code);
    const line = batch.lines[batch.resources.indexOf(resource)]!;
    errors.push({ line, text: errorLine(problem, { inputUrl: file.inputUrl, line }) });
  };
  for (const resource of result.rejected) {
    const why = `${file.type}/${resource.id} already exists with other content; InitialLoad only creates resources`;
    report(resource, outcome('error', 'conflict', why));
  }
  for (const { resource, reason } of result.unstorable) {
    report(resource, outcome('error', 'processing', `${file.type}/${resource.id} could not be stored: ${reason}`));
  }
  errors.sort((a, b) => a.line - b.line);
  return {
    seq: batch.seq,
    firstLine: batch.firstLine,
    endOffset: batch.endOffset,
    endLine: batch.endLine,
    written: batch.resources.length - result.rejected.length - result.unstorable.length,
    errors,
  };
}

/**
 * Concatenates the file's error parts, in order, into its error file (streamed: one part in memory at a time).
 * Parts stay until the job finishes, so a retry of this step finds them all again.
 */
async function mergeErrorParts(deps: ImportDeps, job: ImportFileTask['job'], file: PlannedFile, parts: string[]) {
  const key = errorFileKey(job.tenant, job.jobId, file.index);
  const objects = deps.objects;
  async function* concatenated() {
    for (const part of parts) yield* await objects.get(part);
  }
  await objects.put(key, Readable.from(concatenated()), NDJSON);
  return key;
}
