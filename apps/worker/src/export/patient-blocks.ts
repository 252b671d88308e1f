import { type ExportJobInput, keptElements, PROVENANCE, storedLine } from '@fhir-bulk/export';
import { type ResourceDocument, type StreamOptions, streamMatcher } from '@fhir-bulk/store';
import type { PartitionDeps } from './deps';
import { partitionQuery } from './partition-query';
import type { SourceDocument } from './partition-source';
import type { OutputLine } from './file-formats';
import { withProvenanceTargets } from './provenance-targets';

/** Patients whose compartments are gathered at once: bounds memory (about 25 resources each) and scans per type. */
const BLOCK = 500;

/**
 * `organizeOutputBy=Patient` (IG 3.0): each Patient is written as one unit, a `header` Parameters resource naming
 * it, the Patient, then every exported resource in its compartment, so a file never splits a patient. The Patients
 * come from the partition (in scan order, resumable like any partition); their compartments are read per block of
 * BLOCK patients, one query or scan per type. A resource in several patients' compartments is written once, under
 * the first of them (by reference order), so every resource still appears exactly once.
 */
export async function* patientOrganizedLines(
  deps: Pick<PartitionDeps, 'store' | 'server'>,
  job: ExportJobInput,
  patients: AsyncIterable<SourceDocument>,
  /** The patients the export is limited to (`Patient/id`), if any: a resource goes under the first of these. */
  scope: Set<string> | undefined,
): AsyncGenerator<OutputLine> {
  let block: SourceDocument[] = [];
  for await (const patient of patients) {
    block.push(patient);
    if (block.length === BLOCK) {
      yield* blockLines(deps, job, block, scope);
      block = [];
    }
  }
  if (block.length > 0) yield* blockLines(deps, job, block, scope);
}

async function* blockLines(
  deps: Pick<PartitionDeps, 'store' | 'server'>,
  job: ExportJobInput,
  block: SourceDocument[],
  scope: Set<string> | undefined,
) {
  const lines = new Map(block.map(({ doc }) => [`Patient/${doc.id}`, [] as string[]]));
  for (const type of job.types.filter((t) => t !== 'Patient')) {
    const kept = keptElements(type, job);
    for await (const doc of compartmentDocuments(deps, job, type, [...lines.keys()])) {
      const owner = doc.compartments.filter((c) => !scope || scope.has(c)).sort()[0];
      lines.get(owner ?? '')?.push(storedLine(doc, kept));
    }
  }
  const keptPatient = keptElements('Patient', job);
  for (const { doc, scanned } of block) {
    const ref = `Patient/${doc.id}`;
    const resources = [storedLine(doc, keptPatient), ...(lines.get(ref) ?? [])];
    // The manifest's count is of resources (IG 3.0.0); the header is not one, and clients check the count.
    const value = header(ref) + resources.join('');
    yield { value, count: resources.length, key: doc._id, ...(scanned !== undefined ? { scanned } : {}) };
  }
}

/** A type's documents in the compartments of `refs`, under the job's conditions, by the server's best means. */
async function* compartmentDocuments(
  deps: Pick<PartitionDeps, 'store' | 'server'>,
  job: ExportJobInput,
  type: string,
  refs: string[],
): AsyncGenerator<ResourceDocument> {
  const query = partitionQuery(job, { type, kind: 'output' });
  const options = { ...query, omit: query.omit?.filter((field) => field !== 'compartments') };
  const wanted = new Set(refs);
  const inBlock = (doc: ResourceDocument) => doc.compartments.some((c) => wanted.has(c));
  if (type === PROVENANCE) {
    // A Provenance is in the compartments its targets are in now, which no stored field says (provenance.ts in
    // packages/export): every Provenance of the window is read, and its targets looked up by `_id`.
    const all = withProvenanceTargets(deps.store, job, typeDocuments(deps, job, type, options));
    for await (const { doc } of all) if (inBlock(doc)) yield doc;
    return;
  }
  // Only an indexed query narrows by compartment: a storage-order scan checks inBlock with a Set (partition-query.ts).
  const narrowed = deps.server.indexedRangeScans ? { ...options, compartments: refs } : options;
  for await (const { doc } of typeDocuments(deps, job, type, narrowed)) {
    if (inBlock(doc)) yield doc;
  }
}

/** A type's documents under `options`: through the index on MongoDB, a storage-order scan filtered here otherwise. */
async function* typeDocuments(
  deps: Pick<PartitionDeps, 'store' | 'server'>,
  job: ExportJobInput,
  type: string,
  options: StreamOptions,
): AsyncGenerator<SourceDocument> {
  if (deps.server.indexedRangeScans) {
    for await (const doc of deps.store.streamCurrent(job.tenant, type, options)) yield { doc };
    return;
  }
  const matches = streamMatcher(job.tenant, options);
  for await (const doc of deps.store.scanRange(job.tenant, type, options)) if (matches(doc)) yield { doc };
}

/** The IG's per-patient header: a Parameters resource whose `header` parameter references the organizing resource. */
const header = (ref: string) =>
  JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'header', valueReference: { reference: ref } }] }) +
  '\n';
