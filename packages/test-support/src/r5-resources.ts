/**
 * Valid FHIR R5 resources in the shapes R4 does not have (issue 15): Encounter.class a list of CodeableConcept and
 * `actualPeriod`, MedicationRequest.medication a CodeableReference, and DeviceUsage (R4's DeviceUseStatement). Pure
 * data: unit tests import this file alone.
 */
export const r5Patient = { resourceType: 'Patient', id: 'pat-1', gender: 'female', birthDate: '1980-05-01' };

export const r5Encounter = {
  resourceType: 'Encounter',
  id: 'enc-1',
  status: 'completed',
  class: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }] }],
  subject: { reference: 'Patient/pat-1' },
  actualPeriod: { start: '2026-01-01T10:00:00Z', end: '2026-01-01T11:00:00Z' },
};

export const r5MedicationRequest = {
  resourceType: 'MedicationRequest',
  id: 'mr-1',
  status: 'active',
  intent: 'order',
  medication: { concept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361' }] } },
  subject: { reference: 'Patient/pat-1' },
};

export const r5DeviceUsage = {
  resourceType: 'DeviceUsage',
  id: 'du-1',
  status: 'active',
  patient: { reference: 'Patient/pat-1' },
  device: { reference: { reference: 'Device/d-1' } },
};
