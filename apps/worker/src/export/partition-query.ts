import { type ExportJobInput, type ExportPartition, jobFhirVersion, typeFilterParameters } from '@fhir-bulk/export';
import { anyOfSearches, type ResourceDocument, type StreamOptions } from '@fhir-bulk/store';

/**
 * The store query for one partition: its key range, the job's time window (`_since`, `_until` capped at
 * transactionTime) and its `_typeFilter` queries ORed. Patient scoping is not here: see patientScope.
 */
export function partitionQuery(
  job: ExportJobInput,
  partition: Pick<ExportPartition, 'type' | 'kind' | 'fromKey' | 'beforeKey'>,
  afterKey?: string,
): StreamOptions {
  const until = job.until && job.until < job.transactionTime ? job.until : job.transactionTime;
  // Parsed exactly as the kick-off validated them (URLSearchParams would turn a `+` offset into a space).
  const searches = (job.typeFilters[partition.type] ?? []).map(typeFilterParameters);
  const filter = anyOfSearches(partition.type, searches, jobFhirVersion(job));
  return {
    ...(partition.fromKey ? { fromKey: partition.fromKey } : {}),
    ...(partition.beforeKey ? { beforeKey: partition.beforeKey } : {}),
    ...(afterKey ? { afterKey } : {}),
    ...(job.since ? { since: new Date(job.since) } : {}),
    until: new Date(until),
    tombstones: partition.kind === 'deleted',
    ...(filter ? { filter } : {}),
    // Search keys are needed only to evaluate `_typeFilter` in the worker; compartments only to scope patients.
    omit: [...(filter ? [] : ['search' as const]), ...(job.level === 'system' ? ['compartments' as const] : [])],
  };
}

/**
 * The compartment references (`Patient/{id}`) of a set of patient ids, as documents list them in `compartments`.
 */
export const compartmentRefs = (ids: Set<string>) => new Set([...ids].map((id) => `Patient/${id}`));

/**
 * Which documents a Patient or Group export keeps (`patients` as compartmentRefs): those in the compartment of a
 * listed patient (a Patient is in
 * its own), or, for a Patient-level export without a list, in any patient's compartment. Decided here rather than
 * in the query because FerretDB v1 evaluates `$in` over a large list per document, far slower than a Set.
 */
export function patientScope(
  job: Pick<ExportJobInput, 'level'>,
  patients: Set<string> | undefined,
): ((doc: Pick<ResourceDocument, 'compartments'>) => boolean) | undefined {
  if (patients) return (doc) => doc.compartments.some((c) => patients.has(c));
  if (job.level === 'system') return undefined;
  return (doc) => doc.compartments.length > 0;
}
