import type { FhirVersion } from '@fhir-bulk/fhir';
import type { FhirResource } from './fhir';

/**
 * A generated resource in the FHIR version asked for. The generators write R4; R5 (issue 15) changed these of the
 * types they make, and nothing else they use:
 * - Encounter: `class` is a list of CodeableConcept, `period` is `actualPeriod`, and `finished` is `completed`.
 * - MedicationRequest: `medication` is a CodeableReference (`medicationCodeableConcept` its `concept`), and
 *   `reasonReference` is `reason`, a list of CodeableReference.
 * - Group: `actual: true` is `membership: enumerated`.
 * Patient, Observation and Condition (whose `clinicalStatus`, required in R5, the generator always sets) are the same.
 */
export function inFhirVersion<T extends Pick<FhirResource, 'resourceType'>>(resource: T, version: FhirVersion): T {
  return version === '4.0.1' ? resource : (inR5(resource) as T);
}

function inR5(resource: Pick<FhirResource, 'resourceType'> & Record<string, unknown>): Record<string, unknown> {
  switch (resource.resourceType) {
    case 'Encounter': {
      const { class: coding, period, status, ...rest } = resource;
      return {
        ...rest,
        status: status === 'finished' ? 'completed' : status,
        class: [{ coding: [coding] }],
        actualPeriod: period,
      };
    }
    case 'MedicationRequest': {
      const { medicationCodeableConcept, reasonReference, ...rest } = resource;
      const reasons = (reasonReference as unknown[] | undefined)?.map((reference) => ({ reference }));
      return { ...rest, medication: { concept: medicationCodeableConcept }, ...(reasons ? { reason: reasons } : {}) };
    }
    case 'Group': {
      const { actual, ...rest } = resource;
      return { ...rest, membership: actual ? 'enumerated' : 'definitional' };
    }
    default:
      return resource;
  }
}
