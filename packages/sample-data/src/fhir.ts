import type { Coded } from './vocabulary';

/** A generated resource. Unlike a stored one it always has an id and never `meta` (the store assigns that). */
export interface FhirResource {
  resourceType: string;
  id: string;
  [element: string]: unknown;
}

export function reference(resourceType: string, id: string): { reference: string } {
  return { reference: `${resourceType}/${id}` };
}

export function codeable(system: string, coded: Coded, text: string = coded.display) {
  return { coding: [{ system, code: coded.code, display: coded.display }], text };
}

/** FHIR dateTime in UTC, whole seconds: toISOString is locale- and timezone-independent, so output is stable. */
export function dateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** FHIR date (YYYY-MM-DD) in UTC. */
export function date(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Zero-padded 1-based patient number; eight digits keep ids sortable up to 99,999,999 patients. */
export function patientKey(index: number): string {
  return String(index + 1).padStart(8, '0');
}
