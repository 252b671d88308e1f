import type { FhirResource } from '@fhir-bulk/fhir';

/** A Patient extension that racing writers increment (version-claims.int.test.ts, race-updates.ts). */
export const COUNTER_URL = 'urn:test:counter';

export const counterOf = (resource: FhirResource): number =>
  ((resource.extension as Array<{ url: string; valueInteger: number }> | undefined) ?? []).find(
    (e) => e.url === COUNTER_URL,
  )?.valueInteger ?? 0;

export const withCounter = <T extends FhirResource>(resource: T, value: number): T => ({
  ...resource,
  extension: [{ url: COUNTER_URL, valueInteger: value }],
});
