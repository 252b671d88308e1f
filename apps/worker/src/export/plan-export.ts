import {
  EXPORT_ERROR,
  type ExportedFile,
  type ExportErrorCode,
  type ExportJobInput,
  type ExportPartition,
  type ExportPlan,
  errorKey,
  groupPatientIds,
  partitionsOf,
} from '@fhir-bulk/export';
import type { PatientSetRef } from '@fhir-bulk/jobs';
import type { ObjectStore } from '@fhir-bulk/object-store';
import { ApplicationFailure } from '@temporalio/activity';
import type { ExportDeps } from './deps';
import { partitionQuery } from './partition-query';

/** A failure no retry can fix: the status poll answers with its code (and the status that code maps to). */
export function exportError(code: ExportErrorCode, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: EXPORT_ERROR, message, nonRetryable: true, details: [{ code }] });
}

/**
 * Plans a job: records it, resolves its patients, splits each type into key-range partitions and writes the
 * `error` file for parameters skipped under lenient handling. Safe to rerun: every write is keyed by job id.
 */
export async function planExport(deps: ExportDeps, input: ExportJobInput): Promise<ExportPlan> {
  const { store, jobs, settings } = deps;
  await jobs.started(input, deps.now());
  const patientSet = await resolvePatients(deps, input);
  const partitions: ExportPartition[] = [];
  let total = 0;
  const stored = await store.storedTypes(input.tenant);
  // A type never written has no collection: nothing to export, so no partition (an all-types export is 146 types).
  const types = input.types.filter((t) => stored.has(t));
  for (const type of types) {
    // Organized by patient, the Patient partitions pull each patient's compartment themselves.
    if (input.organizeOutputBy === 'Patient' && type !== 'Patient') continue;
    const estimate = await estimateType(deps, input, type);
    total += estimate;
    const boundaries =
      deps.server.indexedRangeScans && estimate > settings.partitionSize
        ? await store.keyBoundaries(input.tenant, type, settings.partitionSize)
        : [];
    // A view export writes each view of the type over the same key ranges; a resource export writes the type.
    for (const view of viewsOf(input, type))
      partitions.push(...partitionsOf(type, 'output', boundaries, estimate, view));
  }
  if (input.includeDeleted) for (const type of types) partitions.push(...partitionsOf(type, 'deleted', [], 0));
  if (settings.maxResources > 0 && total > settings.maxResources) {
    throw exportError(
      'EXCEEDED_SIZE_LIMIT',
      `The export would hold ${total} resources; this server allows at most ${settings.maxResources} per export. ` +
        'Narrow it with _type, _since or _typeFilter.',
    );
  }
  return {
    partitions,
    total,
    ...(patientSet ? { patientSet } : {}),
    files: await writeIgnoredParameters(deps.objects, input),
    concurrency: settings.partitionConcurrency,
    heartbeatTimeoutSeconds: settings.heartbeatTimeoutSeconds,
  };
}

/** The indexes of the job's views over `type`; `[undefined]` (the resources themselves) without views. */
function viewsOf(input: ExportJobInput, type: string): Array<number | undefined> {
  if (!input.views) return [undefined];
  return input.views.flatMap((view, i) => (view.type === type ? [i] : []));
}

/**
 * Resources a type will export, for progress and the size limit; 0 means unknown. Counted only where counting is
 * cheap (MongoDB, by index) or a size limit must be enforced: FerretDB v1 counts by reading every document
 * (estimatedDocumentCount took 192 s for 87k Observations here, longer than exporting them).
 */
async function estimateType(deps: ExportDeps, input: ExportJobInput, type: string): Promise<number> {
  if (!deps.server.indexedRangeScans && deps.settings.maxResources === 0) return 0;
  return deps.store.countCurrent(input.tenant, type, partitionQuery(input, { type, kind: 'output' }));
}

async function resolvePatients(deps: ExportDeps, input: ExportJobInput): Promise<PatientSetRef | undefined> {
  if (input.level === 'group') {
    const group = await deps.store.read(input.tenant, 'Group', input.groupId ?? '');
    if (!group || group.deleted) throw exportError('NOT_FOUND', `Group/${input.groupId} does not exist`);
    const members = groupPatientIds(group.resource as Parameters<typeof groupPatientIds>[0]);
    const wanted = input.patients ? members.filter((id) => input.patients!.includes(id)) : members;
    return deps.patientSets.save(input.jobId, wanted);
  }
  return input.patients ? deps.patientSets.save(input.jobId, input.patients) : undefined;
}

/**
 * The manifest's `error` file: one OperationOutcome per parameter skipped under `Prefer: handling=lenient`, and for
 * types left out because the client's scopes do not read them.
 */
async function writeIgnoredParameters(objects: ObjectStore, input: ExportJobInput): Promise<ExportedFile[]> {
  if (input.ignored.length === 0) return [];
  const key = errorKey(input.tenant, input.jobId);
  const lines = input.ignored.map(({ parameter, reason, code = 'not-supported' }) =>
    JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'warning', code, diagnostics: reason, expression: [parameter] }],
    }),
  );
  const { size } = await objects.put(key, lines.join('\n') + '\n', 'application/fhir+ndjson');
  return [{ type: 'OperationOutcome', key, count: lines.length, size, kind: 'error' }];
}
