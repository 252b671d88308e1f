/** The shape every stored FHIR resource has; specific types come from the validators, not from here. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  meta?: { versionId?: string; lastUpdated?: string; tag?: Array<{ system?: string; code?: string }> };
  [element: string]: unknown;
}

/** FHIR `id` datatype: 1-64 of letters, digits, '-' and '.'. */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
