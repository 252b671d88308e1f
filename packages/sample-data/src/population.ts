import { encounterObservations, encounterResource, planEncounters } from './encounters';
import { type FhirResource, patientKey, reference } from './fhir';
import { buildPatient } from './patient';
import { Body } from './physiology';
import { conditionResource, medicationRequestResource, planConditions, planMedications } from './problems';
import type { FhirVersion } from '@fhir-bulk/fhir';
import { inFhirVersion } from './r5';
import { deriveSeed, Random, YEAR_MS } from './random';

export interface PopulationOptions {
  patients: number;
  /** Same seed, same population, byte for byte. */
  seed?: number;
  /** How many Group resources to emit after the patients (default 2). */
  groups?: number;
  /** Every date is relative to this instant, so the output does not depend on when it is generated. */
  referenceDate?: string;
  /** The FHIR version of the resources (default R4): the same population, in that version's shapes. */
  fhirVersion?: FhirVersion;
}

export const DEFAULT_SEED = 20260101;
export const DEFAULT_REFERENCE_DATE = '2026-01-01T00:00:00Z';
/**
 * Groups list members only among the first 10,000 patients: a Group is one resource (one document in the store, one
 * NDJSON line in an export), and a member list over a ten-million-patient population would make it hundreds of MB.
 */
export const GROUP_MEMBER_LIMIT = 10_000;

/**
 * Streams a synthetic population: for each patient the Patient, then per encounter (oldest first) the Encounter, its
 * Observations, the Conditions diagnosed there and the MedicationRequests written there; then the Groups. Resources
 * always come after those they reference. Each patient is generated from its own seeded stream and nothing is kept
 * between patients, so memory stays constant however large `patients` is.
 */
export function* generatePopulation(options: PopulationOptions): Generator<FhirResource> {
  const { fhirVersion = '4.0.1' } = options;
  for (const resource of r4Population(options)) yield inFhirVersion(resource, fhirVersion);
}

function* r4Population(options: PopulationOptions): Generator<FhirResource> {
  const { patients, seed = DEFAULT_SEED, groups = 2, referenceDate = DEFAULT_REFERENCE_DATE } = options;
  if (!Number.isSafeInteger(patients) || patients < 0)
    throw new RangeError(`patients must be a whole number ≥ 0, got ${patients}`);
  if (!Number.isSafeInteger(groups) || groups < 0)
    throw new RangeError(`groups must be a whole number ≥ 0, got ${groups}`);
  const referenceMs = Date.parse(referenceDate);
  if (Number.isNaN(referenceMs)) throw new RangeError(`referenceDate is not a date: ${referenceDate}`);

  for (let index = 0; index < patients; index++) yield* patientResources(seed >>> 0, index, referenceMs);
  for (let g = 1; g <= groups; g++) yield groupResource(g, patients);
}

function* patientResources(seed: number, index: number, referenceMs: number): Generator<FhirResource> {
  const rng = new Random(deriveSeed(seed, index));
  const key = patientKey(index);
  const { resource: patient, birthMs, sex } = buildPatient(rng, index, referenceMs);
  const encounters = planEncounters(rng, key, birthMs, referenceMs);
  const conditions = planConditions(rng, key, birthMs, encounters, referenceMs);
  const medications = planMedications(rng, key, conditions);
  const body = new Body(rng, sex, birthMs, new Set(conditions.map((c) => c.spec.key)));

  yield patient;
  for (const encounter of encounters) {
    const diagnosed = conditions.filter((c) => c.encounter === encounter);
    // Fever is likelier in the emergency department and with a fresh bronchitis diagnosis.
    const bronchitis = diagnosed.some((c) => c.spec.key === 'bronchitis');
    const fever = rng.chance(bronchitis ? 0.5 : encounter.spec.classCode === 'EMER' ? 0.3 : 0.03);
    const ageYears = (encounter.startMs - birthMs) / YEAR_MS;
    yield encounterResource(encounter, patient.id);
    yield* encounterObservations(rng, encounter, patient.id, body, ageYears, fever);
    for (const condition of diagnosed) yield conditionResource(condition, patient.id);
    for (const medication of medications) {
      if (medication.condition.encounter === encounter)
        yield medicationRequestResource(medication, patient.id, referenceMs);
    }
  }
}

/** Group g holds every (g+1)th patient: group 1 every 2nd, group 2 every 3rd, ... (capped, see GROUP_MEMBER_LIMIT). */
function groupResource(g: number, patients: number): FhirResource {
  const step = g + 1;
  const member: { entity: { reference: string } }[] = [];
  for (let index = 0; index < Math.min(patients, GROUP_MEMBER_LIMIT); index += step) {
    member.push({ entity: reference('Patient', `pat-${patientKey(index)}`) });
  }
  return {
    resourceType: 'Group',
    id: `grp-${String(g).padStart(3, '0')}`,
    type: 'person',
    actual: true,
    name: `Sample cohort ${g}: every ${ordinal(step)} patient`,
    // The number of members actually listed, so quantity and member agree even when the list is capped.
    quantity: member.length,
    member,
  };
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
