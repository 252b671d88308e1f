import {
  deletedBundleLine,
  type ExportJobInput,
  type ExportPartition,
  fileLimitsFor,
  keptElements,
  needsTargetCompartments,
  outputKey,
  type PartitionCheckpoint,
  type ScanPosition,
  storedLine,
} from '@fhir-bulk/export';
import type { PatientSetRef } from '@fhir-bulk/jobs';
import type { ResourceDocument } from '@fhir-bulk/store';
import { Context } from '@temporalio/activity';
import { timedAttempt } from '../attempt-metrics';
import { withHeartbeats } from '../heartbeats';
import type { PartitionDeps } from './deps';
import { NDJSON_FILES, type OutputLine, type PartitionOutput } from './file-formats';
import { writePartitionFiles } from './partition-writer';
import { compartmentRefs, patientScope } from './partition-query';
import { partitionDocuments, type SourceDocument } from './partition-source';
import { patientOrganizedLines } from './patient-blocks';
import { withProvenanceTargets } from './provenance-targets';
import { viewOutput } from './view-files';

export interface PartitionTask {
  /** The job without its `patients` list, which travels once, in the workflow's start, and then via patientSet. */
  job: ExportJobInput;
  partition: ExportPartition;
  patientSet?: PatientSetRef;
}

/**
 * Exports one partition. Resumes from the checkpoint of a previous attempt (heartbeat details): completed files
 * stay; the unfinished file goes on after its last completed upload part, the scan strictly after the last record
 * that part holds (or, without one, is rewritten from its start under its own name), so no resource is written
 * twice or skipped.
 */
export function exportPartition(deps: PartitionDeps, task: PartitionTask) {
  const type = task.partition.type;
  return timedAttempt(
    () => writePartition(deps, task),
    (seconds, failure) => deps.metrics.exportPartitionEnded(type, seconds, failure),
  );
}

async function writePartition(deps: PartitionDeps, { job, partition, patientSet }: PartitionTask) {
  const context = Context.current();
  const resumed = (context.info.heartbeatDetails as PartitionCheckpoint | undefined) ?? { files: [], written: 0 };
  // Every attempt heartbeats at once, so only completed files or parts make this a resume.
  if (resumed.files.length > 0 || resumed.open) deps.metrics.resumed('partition');
  const patients = patientSet ? compartmentRefs(await deps.patientSets.load(patientSet)) : undefined;
  const inScope = patientScope(job, patients);
  const documents = (from: ScanPosition) => {
    const scanned = partitionDocuments(deps, job, partition, from);
    const all = needsTargetCompartments(job, partition) ? withProvenanceTargets(deps.store, job, scanned) : scanned;
    return inScopeOnly(all, inScope);
  };
  const organized = job.organizeOutputBy === 'Patient' && partition.kind === 'output';
  const view = partition.view === undefined ? undefined : job.views?.[partition.view];
  const output: PartitionOutput<unknown> = view
    ? viewOutput(job, view, deps.settings.maxViewRowsPerResource)
    : ({
        format: NDJSON_FILES,
        items: (source) =>
          organized ? patientOrganizedLines(deps, job, source, patients) : outputLines(source, job, partition),
      } satisfies PartitionOutput<string> as PartitionOutput<unknown>);
  // The first document may be long in coming (a large sort on MongoDB, a storage-order scan past many filtered-out
  // documents): withHeartbeats keeps beating meanwhile.
  const written = await withHeartbeats(resumed, (beat) =>
    writePartitionFiles(resumed, {
      format: output.format,
      items: (from) => output.items(documents(from)),
      objects: deps.objects,
      partition,
      limits: fileLimitsFor(partition.type, deps.settings.recordLimits, deps.settings.maxFileBytes),
      partBytes: deps.settings.partBytes,
      keyOf: (seq) => outputKey(job, partition, seq),
      onCheckpoint: beat,
      onFile: (file, seconds) =>
        deps.metrics.exportFileWritten(partition.type, { records: file.count, bytes: file.size, seconds }),
      signal: context.cancellationSignal,
      mixedTypes: organized,
    }),
  );
  // Job, tenant, kind, request id and partition come from the activity's log attributes (job-log-attributes.ts).
  const records = written.reduce((sum, file) => sum + file.count, 0);
  context.log.info('export partition done', { files: written.length, records });
  return written;
}

/** Only documents in the job's patient scope (Patient and Group exports); all of them otherwise. */
async function* inScopeOnly(
  documents: AsyncIterable<SourceDocument>,
  inScope: ((doc: ResourceDocument) => boolean) | undefined,
): AsyncGenerator<SourceDocument> {
  for await (const source of documents) if (!inScope || inScope(source.doc)) yield source;
}

/** Documents → NDJSON lines: `_elements` subsetting, Bundles for tombstones. */
async function* outputLines(
  documents: AsyncIterable<SourceDocument>,
  job: ExportJobInput,
  partition: ExportPartition,
): AsyncGenerator<OutputLine> {
  const kept = keptElements(partition.type, job);
  for await (const { doc, scanned } of documents) {
    const line =
      partition.kind === 'deleted' ? deletedBundleLine(partition.type, doc.id, doc.lastUpdated) : storedLine(doc, kept);
    yield { value: line, key: doc._id, ...(scanned !== undefined ? { scanned } : {}) };
  }
}
