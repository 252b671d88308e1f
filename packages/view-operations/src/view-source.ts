import type { FhirResource, FhirVersion } from '@fhir-bulk/fhir';
import { compartmentsOf } from '@fhir-bulk/search';
import { type ResourceStore, streamFilter } from '@fhir-bulk/store';
import type { FhirJson } from '@fhir-bulk/view-definition';

/** What narrows the resources that feed a view (SQL on FHIR "Filtering"), before any row is made. */
export interface SourceFilters {
  /** Patient ids: only resources in one of their compartments. Empty: no restriction. */
  patients: readonly string[];
  /** Only resources last updated after this instant. */
  since?: Date;
}

/**
 * A tenant's current resources of one type, streamed. The conditions are `streamCurrent`'s (`streamFilter`), but
 * the cursor is not sorted: row order is not part of the operation, and FerretDB v1 sorts a whole collection in
 * memory before its first document, whereas an unsorted scan hands out the first rows at once and a `_limit`
 * stops it early.
 */
export async function* storedResources(
  store: ResourceStore,
  tenant: string,
  type: string,
  { patients, since }: SourceFilters,
): AsyncGenerator<FhirJson> {
  const compartments = patients.map((id) => `Patient/${id}`);
  const query = streamFilter(tenant, { since, ...(compartments.length > 0 ? { compartments } : {}) });
  // Returning early (a `_limit` reached, the client gone) closes the cursor on the server.
  for await (const doc of store
    .collection(tenant, type)
    .find(query, { projection: { text: 1 } })
    .batchSize(1_000)) {
    yield JSON.parse(doc.text) as FhirJson;
  }
}

/**
 * Inline resources of one type, under the same filters as stored ones: compartments computed as the store would
 * (by the tenant's FHIR `version`), and `_since` against `meta.lastUpdated`; a resource without one is kept, as the
 * spec allows.
 */
export function* inlineResources(
  resources: readonly FhirJson[],
  type: string,
  { patients, since }: SourceFilters,
  version: FhirVersion,
): Generator<FhirJson> {
  const compartments = new Set(patients.map((id) => `Patient/${id}`));
  for (const resource of resources) {
    if (resource.resourceType !== type) continue;
    const owners = compartments.size > 0 ? compartmentsOf(resource as FhirResource, version) : [];
    if (compartments.size > 0 && !owners.some((c) => compartments.has(c))) continue;
    // NaN without a lastUpdated, which is never at or before `since`.
    const lastUpdated = Date.parse(String((resource.meta as FhirResource['meta'])?.lastUpdated));
    if (since && lastUpdated <= since.getTime()) continue;
    yield resource;
  }
}
