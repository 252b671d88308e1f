import type { FhirResource } from '@fhir-bulk/fhir';

/**
 * How a resource's current version is stored: one collection per resource type, the resource itself under
 * `resource`, and the fields queries need beside it. `_id` is `${tenant}/${id}`: unique per tenant, and the
 * stable sort key that export partitions split on (a key range is a contiguous slice of one tenant).
 */
export interface ResourceDocument {
  _id: string;
  tenant: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  resource: FhirResource;
}

export const documentKey = (tenant: string, id: string) => `${tenant}/${id}`;

/** The key range of one tenant: every key starts with `${tenant}/`, and '0' is the character after '/'. */
export function tenantKeyRange(tenant: string): { gte: string; lt: string } {
  return { gte: `${tenant}/`, lt: `${tenant}0` };
}
