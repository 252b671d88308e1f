import type { FhirVersion } from '@fhir-bulk/fhir';
import { inFhirVersion } from '@fhir-bulk/sample-data';

/** The FHIR version of the running suite's tenants: R5 under a `*.r5.int.test.ts` (r5-tenants.ts), else R4. */
export const suiteFhirVersion = (): FhirVersion => (process.env.DEFAULT_FHIR_VERSION === '5.0.0' ? '5.0.0' : '4.0.1');

/** A fixture written in R4, in the suite's version (the sample data's conversion: Encounter, MedicationRequest, Group). */
export const inSuiteVersion = <T extends { resourceType: string }>(resource: T): T =>
  inFhirVersion(resource, suiteFhirVersion());
