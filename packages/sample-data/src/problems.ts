import type { EncounterPlan } from './encounters';
import { codeable, dateTime, type FhirResource, reference } from './fhir';
import { DAY_MS, type Random, YEAR_MS } from './random';
import { CONDITIONS, type ConditionSpec, MEDICATIONS, type MedicationSpec, SYSTEMS } from './vocabulary';

export interface ConditionPlan {
  id: string;
  spec: ConditionSpec;
  encounter: EncounterPlan;
  onsetMs: number;
  /** Set once an acute condition has resolved before the reference date. */
  abatementMs?: number;
}

export interface MedicationPlan {
  id: string;
  spec: MedicationSpec;
  condition: ConditionPlan;
  authoredMs: number;
}

/** How many conditions a patient has: most have none or one. */
const CONDITION_COUNTS = [
  { weight: 40, count: 0 },
  { weight: 30, count: 1 },
  { weight: 20, count: 2 },
  { weight: 10, count: 3 },
] as const;

/**
 * 0-3 distinct conditions, each diagnosed at one of the patient's encounters where they were old enough for it
 * (no type 2 diabetes in toddlers). Returned in encounter order, which is also the order they are emitted in.
 */
export function planConditions(
  rng: Random,
  key: string,
  birthMs: number,
  encounters: readonly EncounterPlan[],
  referenceMs: number,
): ConditionPlan[] {
  const chosen: Omit<ConditionPlan, 'id'>[] = [];
  let remaining = CONDITIONS.filter((spec) => encounters.some((e) => e.startMs - birthMs >= spec.minAge * YEAR_MS));
  for (let i = rng.weighted(CONDITION_COUNTS).count; i > 0 && remaining.length > 0; i--) {
    const spec = rng.weighted(remaining);
    remaining = remaining.filter((other) => other !== spec);
    const encounter = rng.pick(encounters.filter((e) => e.startMs - birthMs >= spec.minAge * YEAR_MS));
    if (spec.chronic) {
      // Chronic disease starts some time (up to two years) before it is first recorded, but not before the minimum age.
      const earliest = Math.max(birthMs + spec.minAge * YEAR_MS, encounter.startMs - 2 * YEAR_MS);
      chosen.push({ spec, encounter, onsetMs: rng.dateBetween(earliest, encounter.startMs) });
    } else {
      // Acute illness: symptoms a few days before the visit, gone two to three weeks later.
      const onsetMs = Math.max(birthMs, encounter.startMs - rng.int(1, 7) * DAY_MS);
      const abatementMs = onsetMs + rng.int(7, 21) * DAY_MS;
      chosen.push({ spec, encounter, onsetMs, ...(abatementMs < referenceMs ? { abatementMs } : {}) });
    }
  }
  chosen.sort((a, b) => a.encounter.startMs - b.encounter.startMs);
  return chosen.map((plan, i) => ({ ...plan, id: `cond-${key}-${i + 1}` }));
}

export function conditionResource(plan: ConditionPlan, patientId: string): FhirResource {
  const status = plan.abatementMs === undefined ? 'active' : 'resolved';
  const category = plan.spec.chronic
    ? { code: 'problem-list-item', display: 'Problem List Item' }
    : { code: 'encounter-diagnosis', display: 'Encounter Diagnosis' };
  return {
    resourceType: 'Condition',
    id: plan.id,
    clinicalStatus: codeable(SYSTEMS.conditionClinical, { code: status, display: capitalise(status) }),
    verificationStatus: codeable(SYSTEMS.conditionVerification, { code: 'confirmed', display: 'Confirmed' }),
    category: [codeable(SYSTEMS.conditionCategory, category)],
    code: codeable(SYSTEMS.snomed, plan.spec),
    subject: reference('Patient', patientId),
    encounter: reference('Encounter', plan.encounter.id),
    onsetDateTime: dateTime(plan.onsetMs),
    ...(plan.abatementMs === undefined ? {} : { abatementDateTime: dateTime(plan.abatementMs) }),
    recordedDate: dateTime(plan.encounter.startMs),
  };
}

/** At most one prescription per condition (so 0-3), written at the encounter where the condition was diagnosed. */
export function planMedications(rng: Random, key: string, conditions: readonly ConditionPlan[]): MedicationPlan[] {
  const plans: MedicationPlan[] = [];
  for (const condition of conditions) {
    const spec = MEDICATIONS.find((med) => med.treats === condition.spec.key);
    if (!spec || !rng.chance(spec.probability)) continue;
    const { startMs, endMs } = condition.encounter;
    const authoredMs = rng.dateBetween(startMs, endMs);
    plans.push({ id: `med-${key}-${plans.length + 1}`, spec, condition, authoredMs });
  }
  return plans;
}

export function medicationRequestResource(plan: MedicationPlan, patientId: string, referenceMs: number): FhirResource {
  const { courseDays } = plan.spec;
  const finished = courseDays !== undefined && plan.authoredMs + courseDays * DAY_MS < referenceMs;
  return {
    resourceType: 'MedicationRequest',
    id: plan.id,
    status: finished ? 'completed' : 'active',
    intent: 'order',
    medicationCodeableConcept: codeable(SYSTEMS.rxnorm, plan.spec),
    subject: reference('Patient', patientId),
    encounter: reference('Encounter', plan.condition.encounter.id),
    authoredOn: dateTime(plan.authoredMs),
    reasonReference: [reference('Condition', plan.condition.id)],
    dosageInstruction: [{ sequence: 1, text: plan.spec.dosage }],
  };
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
