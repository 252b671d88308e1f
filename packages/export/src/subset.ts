import { requiredElements } from '@fhir-bulk/validation';
import { type ExportRequest, jobFhirVersion } from './export-job';

/** The tag `_elements` output carries, as the Bulk Data IG and FHIR search (`_elements`) require. */
export const SUBSETTED = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'subsetted',
} as const;

/** Kept in every subset: identity, metadata and the elements the version says a resource of the type must have. */
const ALWAYS = ['resourceType', 'id', 'meta'];

/**
 * The element names the job's `_elements` keeps for one type: those asked for that type, those asked for every type
 * (`*`), and the ones the job's FHIR version makes mandatory. `undefined` when the job does not subset this type.
 */
export function keptElements(
  type: string,
  job: Pick<ExportRequest, 'elements' | 'fhirVersion'>,
): Set<string> | undefined {
  const asked = [...(job.elements?.[type] ?? []), ...(job.elements?.['*'] ?? [])];
  if (asked.length === 0) return undefined;
  const mandatory = requiredElements(type, jobFhirVersion(job)).flatMap((e) => e.oneOf ?? [e.name]);
  return new Set([...ALWAYS, ...mandatory, ...asked]);
}

/** A resource's NDJSON line, subsetted when `_elements` asked for it (`kept` from keptElements). */
export function resourceLine<T extends { meta?: { tag?: unknown[] } }>(resource: T, kept: Set<string> | undefined) {
  return JSON.stringify(kept ? subsetResource(resource, kept) : resource) + '\n';
}

/**
 * A stored resource's NDJSON line: the stored JSON text as it is (no parse, no stringify) unless `_elements` asks
 * for a subset, which needs the object (`resource`, parsed on first use by the store).
 */
export function storedLine<T extends { meta?: { tag?: unknown[] } }>(
  doc: { text: string; resource: T },
  kept: Set<string> | undefined,
): string {
  return kept ? resourceLine(doc.resource, kept) : doc.text + '\n';
}

/** A copy of `resource` with only the kept top-level elements (and their `_element` extensions), tagged. */
export function subsetResource<T extends { meta?: { tag?: unknown[] } }>(resource: T, kept: Set<string>): T {
  const subset: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(resource)) {
    if (kept.has(name) || (name.startsWith('_') && kept.has(name.slice(1)))) subset[name] = value;
  }
  const meta = (resource.meta ?? {}) as { tag?: unknown[] };
  subset.meta = { ...meta, tag: [...(meta.tag ?? []), SUBSETTED] };
  return subset as T;
}
