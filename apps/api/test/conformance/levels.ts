import { bulkLoad } from '@fhir-bulk/store';
import type { BulkStack } from '@fhir-bulk/test-support';

/**
 * The level matrix of the Bulk Data conformance suite (FHIR Bulk Data Access IG 3.0.0, export.html): every check
 * runs against the IG's three kick-off endpoints, over the same small clinic, seeded once per test file.
 */

/** One kick-off endpoint of the IG ("Endpoint - System Level Export", "- All Patients", "- Group of Patients"). */
export interface KickoffLevel {
  name: 'system' | 'Patient' | 'Group';
  /** The endpoint under a FHIR base: `/$export`, `/Patient/$export`, `/Group/{id}/$export`. */
  path: string;
  /** The refs an export of the clinic at this level holds when no parameter narrows it. */
  scope: readonly string[];
  /** The patients whose compartments the level covers. */
  patients: readonly string[];
}

const code = (value: string) => ({ coding: [{ system: 'http://example.org/codes', code: value }] });
const observation = (id: string, patient: string, value: string, status = 'final') => ({
  resourceType: 'Observation',
  id,
  status,
  code: code(value),
  subject: { reference: `Patient/${patient}` },
  valueQuantity: { value: 7, unit: 'mg' },
  note: [{ text: 'left out by _elements' }],
});

/**
 * Three patients and their compartments, a Practitioner in no compartment, and Group `cohort` of p1 and p2 (p3 is
 * in no Group). Observation codes and statuses give `_typeFilter` something to select.
 */
export const CLINIC = [
  ...['p1', 'p2', 'p3'].map((id) => ({
    resourceType: 'Patient',
    id,
    gender: 'female',
    birthDate: '1970-01-01',
    name: [{ family: id }],
  })),
  observation('o1', 'p1', 'a'),
  observation('o2', 'p1', 'b', 'amended'),
  observation('o3', 'p2', 'a'),
  observation('o4', 'p3', 'b', 'preliminary'),
  { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p2' }, code: code('c') },
  { resourceType: 'Practitioner', id: 'dr', name: [{ family: 'Who' }] },
  {
    resourceType: 'Group',
    id: 'cohort',
    type: 'person',
    actual: true,
    member: [{ entity: { reference: 'Patient/p1' } }, { entity: { reference: 'Patient/p2' } }],
  },
];

/** Each patient's compartment in the clinic (Group `cohort` is in its members' compartments, by Group.member). */
export const COMPARTMENTS: Record<string, readonly string[]> = {
  p1: ['Patient/p1', 'Observation/o1', 'Observation/o2', 'Group/cohort'],
  p2: ['Patient/p2', 'Observation/o3', 'Condition/c1', 'Group/cohort'],
  p3: ['Patient/p3', 'Observation/o4'],
};

/** The refs of these patients' compartments, sorted, each once. */
export const compartmentsOf = (patients: readonly string[]) =>
  [...new Set(patients.flatMap((id) => COMPARTMENTS[id]!))].sort();

export const LEVELS: readonly KickoffLevel[] = [
  {
    name: 'system',
    path: '/$export',
    scope: CLINIC.map((r) => `${r.resourceType}/${r.id}`).sort(),
    patients: ['p1', 'p2', 'p3'],
  },
  {
    name: 'Patient',
    path: '/Patient/$export',
    scope: compartmentsOf(['p1', 'p2', 'p3']),
    patients: ['p1', 'p2', 'p3'],
  },
  { name: 'Group', path: '/Group/cohort/$export', scope: compartmentsOf(['p1', 'p2']), patients: ['p1', 'p2'] },
];

/** The levels that take the `patient` parameter (IG: "Not applicable to system level export requests"). */
export const PATIENT_LEVELS = LEVELS.filter((level) => level.name !== 'system');

/** Loads the clinic into `tenant` and returns that tenant's FHIR base path (`/tenant/{tenant}`). */
export async function seedClinic(stack: Pick<BulkStack, 'store'>, tenant: string): Promise<string> {
  await bulkLoad(stack.store, tenant, CLINIC);
  return `/tenant/${tenant}`;
}

/** The clinic's refs an export at `level` holds, narrowed to `types`. */
export const scopeOf = (level: KickoffLevel, types: readonly string[]) =>
  level.scope.filter((ref) => types.includes(ref.split('/')[0]!));
