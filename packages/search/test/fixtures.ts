/** A small set of resources, stored as the store would store them, for the end-to-end search tests. */
import type { FhirResource } from '@fhir-bulk/fhir';
import { compartmentsOf, extractSearchKeys } from '../src';

const LOINC = 'http://loinc.org';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const vitalSigns = { coding: [{ system: CATEGORY, code: 'vital-signs' }] };
const loinc = (code: string) => ({ coding: [{ system: LOINC, code }] });

export function storedDocument(resource: FhirResource & { id: string }, lastUpdated = '2024-01-01T00:00:00Z') {
  return {
    _id: `t1/${resource.id}`,
    tenant: 't1',
    id: resource.id,
    versionId: 1,
    lastUpdated: new Date(lastUpdated),
    deleted: false,
    resource,
    search: extractSearchKeys(resource),
    compartments: compartmentsOf(resource),
  };
}

const patient = (id: string, rest: Record<string, unknown>, lastUpdated: string) =>
  storedDocument({ resourceType: 'Patient', id, ...rest }, lastUpdated);

export const patients = [
  patient(
    'p1',
    {
      name: [{ family: 'Smith', given: ['John'] }],
      gender: 'male',
      birthDate: '1980-05-12',
      active: true,
      identifier: [{ system: 'http://hospital.example/mrn', value: 'MRN1' }],
    },
    '2024-06-01T00:00:00Z',
  ),
  patient(
    'p2',
    { name: [{ family: 'Smíth', given: ['Maria'] }], gender: 'female', birthDate: '1980-11-30', active: false },
    '2025-03-01T00:00:00Z',
  ),
  patient(
    'p3',
    { name: [{ family: 'Jones', given: ['Anna'] }], gender: 'other', birthDate: '1975', active: true },
    '2025-01-01T12:00:00Z',
  ),
  patient('p4', { name: [{ text: 'Bob SMITHERS', family: 'SMITHERS' }], gender: 'unknown' }, '2025-02-01T00:00:00Z'),
];

const observation = (id: string, rest: Record<string, unknown>) =>
  storedDocument({ resourceType: 'Observation', id, status: 'final', ...rest });

export const observations = [
  observation('o1', {
    code: loinc('8867-4'),
    category: [vitalSigns],
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2020-07-15T10:00:00Z',
  }),
  observation('o2', {
    code: loinc('8310-5'),
    category: [vitalSigns],
    subject: { reference: 'Patient/p2' },
    effectivePeriod: { start: '2020-12-30', end: '2021-01-02' },
  }),
  observation('o3', {
    code: loinc('2339-0'),
    category: [{ coding: [{ system: CATEGORY, code: 'laboratory' }] }],
    subject: { reference: 'Group/g1' },
    effectiveDateTime: '2021-03-01',
  }),
  // An absolute reference, and a period still open.
  observation('o4', {
    code: loinc('8867-4'),
    category: [vitalSigns],
    subject: { reference: 'https://other.example/fhir/Patient/p1' },
    effectivePeriod: { start: '2020-05-20' },
  }),
  // A code without a system, and no date at all.
  observation('o5', {
    code: { coding: [{ code: '8867-4' }] },
    subject: { reference: 'Patient/p3' },
    performer: [{ reference: 'Patient/p2' }],
  }),
];

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const conditions = [
  storedDocument({
    resourceType: 'Condition',
    id: 'c1',
    clinicalStatus: { coding: [{ system: CLINICAL, code: 'active' }] },
    subject: { reference: 'Patient/p1' },
    onsetDateTime: '2019-03',
  }),
  storedDocument({
    resourceType: 'Condition',
    id: 'c2',
    clinicalStatus: { coding: [{ system: CLINICAL, code: 'resolved' }] },
    subject: { reference: 'Patient/p2' },
    onsetPeriod: { start: '2018', end: '2018-06' },
  }),
];

const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const encounters = [
  storedDocument({
    resourceType: 'Encounter',
    id: 'e1',
    status: 'finished',
    class: { system: ACT, code: 'AMB' },
    subject: { reference: 'Patient/p2' },
    period: { start: '2021-01-01T09:00:00Z', end: '2021-01-01T10:00:00Z' },
  }),
  storedDocument({
    resourceType: 'Encounter',
    id: 'e2',
    status: 'in-progress',
    class: { system: ACT, code: 'IMP' },
    subject: { reference: 'Patient/p1' },
    period: { start: '2021-02-01' },
  }),
];
