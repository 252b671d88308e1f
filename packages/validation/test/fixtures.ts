/** Realistic R4 resources (Synthea / US Core style) that must validate without issues. */

export const patient = {
  resourceType: 'Patient',
  id: 'f001-patient.1',
  meta: {
    versionId: '1',
    lastUpdated: '2024-03-01T12:00:00.000Z',
    profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'],
  },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">John Smith</div>' },
  extension: [
    {
      url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
      extension: [
        {
          url: 'ombCategory',
          valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3', display: 'White' },
        },
        { url: 'text', valueString: 'White' },
      ],
    },
    {
      url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
      valueAddress: { city: 'Boston', state: 'MA', country: 'US' },
    },
  ],
  identifier: [
    {
      type: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }],
        text: 'Medical Record Number',
      },
      system: 'http://hospital.smarthealthit.org',
      value: '1032702',
    },
  ],
  active: true,
  name: [{ use: 'official', family: 'Smith', given: ['John', 'Jacob'], prefix: ['Mr.'] }],
  telecom: [{ system: 'phone', value: '555-555-5555', use: 'home' }],
  gender: 'male',
  birthDate: '1980-01-02',
  deceasedBoolean: false,
  address: [
    {
      extension: [
        {
          url: 'http://hl7.org/fhir/StructureDefinition/geolocation',
          extension: [
            { url: 'latitude', valueDecimal: 42.36 },
            { url: 'longitude', valueDecimal: -71.06 },
          ],
        },
      ],
      line: ['49 Meadow St'],
      city: 'Boston',
      state: 'MA',
      postalCode: '02101',
      country: 'US',
    },
  ],
  maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' }] },
  multipleBirthBoolean: false,
  communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-US' }] }, preferred: true }],
};

const vitalSigns = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }],
};
const mmHg = (value: number) => ({ value, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' });

/** Blood pressure with three components, so nested array indices can be tested. */
export const observation = {
  resourceType: 'Observation',
  id: 'bp-1',
  status: 'final',
  category: [vitalSigns],
  code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] },
  subject: { reference: 'Patient/f001-patient.1' },
  encounter: { reference: 'Encounter/enc-1' },
  effectiveDateTime: '2019-05-04T10:15:00-05:00',
  issued: '2019-05-04T10:15:00.123-05:00',
  valueQuantity: { value: 72.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  interpretation: [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N' }] },
  ],
  component: [
    { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: mmHg(120) },
    { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: mmHg(80) },
    { code: { coding: [{ system: 'http://loinc.org', code: '8478-0' }] }, valueQuantity: mmHg(93.3) },
  ],
};

export const encounter = {
  resourceType: 'Encounter',
  id: 'enc-1',
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
  type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003', display: 'Encounter for check up' }] }],
  subject: { reference: 'Patient/f001-patient.1', display: 'John Smith' },
  participant: [{ individual: { reference: 'Practitioner/pr-1' } }],
  period: { start: '2019-05-04T10:00:00-05:00', end: '2019-05-04T10:30:00-05:00' },
  reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '38341003' }] }],
  serviceProvider: { reference: 'Organization/org-1' },
};

export const condition = {
  resourceType: 'Condition',
  id: 'cond-1',
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  verificationStatus: {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
  },
  category: [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }] },
  ],
  code: {
    coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertension' }],
    text: 'Hypertension',
  },
  subject: { reference: 'Patient/f001-patient.1' },
  encounter: { reference: 'Encounter/enc-1' },
  onsetDateTime: '2015-06-01',
  recordedDate: '2015-06-01T09:00:00Z',
};

export const medicationRequest = {
  resourceType: 'MedicationRequest',
  id: 'medrx-1',
  status: 'active',
  intent: 'order',
  medicationCodeableConcept: {
    coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '314076', display: 'lisinopril 10 MG' }],
  },
  subject: { reference: 'Patient/f001-patient.1' },
  encounter: { reference: 'Encounter/enc-1' },
  authoredOn: '2019-05-04T10:30:00-05:00',
  requester: { reference: 'Practitioner/pr-1' },
  reasonReference: [{ reference: 'Condition/cond-1' }],
  dosageInstruction: [
    {
      sequence: 1,
      text: 'Take one tablet daily',
      timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
      doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
    },
  ],
};

/** A deep copy to break, so one test's edits cannot leak into another. */
export const copy = <T>(resource: T): T & Record<string, unknown> =>
  structuredClone(resource) as T & Record<string, unknown>;
