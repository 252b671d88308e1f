import { type ExportJobInput, jobFhirVersion, provenanceTargets, withTargetCompartments } from '@fhir-bulk/export';
import type { ResourceStore } from '@fhir-bulk/store';
import type { SourceDocument } from './partition-source';

/** Provenances whose targets are read together: bounds memory to a batch and its targets' compartments. */
const BATCH = 200;
/** Target reads in flight: each is one `_id` lookup, cheap on MongoDB and on (patched) FerretDB alike. */
const READS_IN_FLIGHT = 16;

/**
 * Provenance documents, in their order, each with its targets' current compartments added (IG 3.0.0 exports a
 * Provenance at Patient and Group level when a target is in an exported patient's compartment; see provenance.ts in
 * packages/export). Read by `_id`, a batch at a time, so a scan stays streaming and its checkpoints unchanged.
 */
export async function* withProvenanceTargets(
  store: Pick<ResourceStore, 'compartmentsOf'>,
  job: Pick<ExportJobInput, 'tenant' | 'fhirVersion'>,
  documents: AsyncIterable<SourceDocument>,
): AsyncGenerator<SourceDocument> {
  let batch: SourceDocument[] = [];
  for await (const source of documents) {
    batch.push(source);
    if (batch.length === BATCH) {
      yield* await resolved(store, job, batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield* await resolved(store, job, batch);
}

async function resolved(
  store: Pick<ResourceStore, 'compartmentsOf'>,
  job: Pick<ExportJobInput, 'tenant' | 'fhirVersion'>,
  batch: SourceDocument[],
): Promise<SourceDocument[]> {
  const version = jobFhirVersion(job);
  const targetsOf = batch.map(({ doc }) => (doc.deleted ? [] : provenanceTargets(doc.resource, version)));
  const pending = [...new Set(targetsOf.flat())];
  const known = new Map<string, string[]>();
  const read = async () => {
    for (let ref = pending.pop(); ref !== undefined; ref = pending.pop()) {
      const [type = '', id = ''] = ref.split('/');
      known.set(ref, await store.compartmentsOf(job.tenant, type, id));
    }
  };
  await Promise.all(Array.from({ length: READS_IN_FLIGHT }, read));
  return batch.map((source, i) => ({
    ...source,
    doc: { ...source.doc, compartments: withTargetCompartments(source.doc.compartments, targetsOf[i] ?? [], known) },
  }));
}
