import { type FhirResource, type FhirVersion, isResourceTypeOf } from '@fhir-bulk/fhir';
import { normalizeReference, referenceType } from '@fhir-bulk/search';
import type { ExportJobInput } from './export-job';
import type { ExportPartition } from './partition';

/**
 * IG 3.0.0, Query Parameters (the note after the table): without an `includeAssociatedData` value about provenance,
 * the server "SHALL include all available Provenance resources whose `Provenance.target` is a resource in the
 * Patient compartment in a patient level export request". The store puts a Provenance in a compartment only when a
 * target is the Patient itself; one about an Observation belongs wherever that Observation does *at export time*
 * (a target written after the Provenance, or moved to another patient since, must count as it is now). So Patient-
 * and Group-level exports read the targets' compartments while they export Provenance, by `_id`, a batch at a time.
 */
export const PROVENANCE = 'Provenance';

/** Whether a partition's Provenance documents need their targets' compartments to be scoped to patients. */
export function needsTargetCompartments(
  job: Pick<ExportJobInput, 'level'>,
  partition: Pick<ExportPartition, 'type' | 'kind'>,
): boolean {
  return job.level !== 'system' && partition.type === PROVENANCE && partition.kind === 'output';
}

/**
 * The resources a Provenance is about, as `Type/id`, other than Patients (a Patient target already puts the
 * Provenance in that Patient's compartment). Contained, version-less and non-FHIR references are left out.
 */
export function provenanceTargets(resource: FhirResource, version: FhirVersion): string[] {
  const targets = new Set<string>();
  const listed: unknown = resource.resourceType === PROVENANCE ? resource.target : undefined;
  for (const target of Array.isArray(listed) ? listed : []) {
    const reference: unknown = (target as { reference?: unknown } | null)?.reference;
    const ref = typeof reference === 'string' ? normalizeReference(reference) : undefined;
    const type = ref ? referenceType(ref) : undefined;
    if (ref && type && type !== 'Patient' && isResourceTypeOf(version, type)) targets.add(ref);
  }
  return [...targets];
}

/** A Provenance's compartments for a patient-scoped export: its own, and those its targets have now. */
export function withTargetCompartments(
  own: readonly string[],
  targets: readonly string[],
  compartmentsOfTarget: ReadonlyMap<string, readonly string[]>,
): string[] {
  return [...new Set([...own, ...targets.flatMap((target) => compartmentsOfTarget.get(target) ?? [])])];
}
