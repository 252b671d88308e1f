import { codeable, dateTime, type FhirResource, reference } from './fhir';
import type { Body, MeasureKey, Snapshot } from './physiology';
import { DAY_MS, MINUTE_MS, type Random, YEAR_MS } from './random';
import { BP_PANEL, type Coded, ENCOUNTERS, type EncounterSpec, MEASURES, SYSTEMS } from './vocabulary';

export interface EncounterPlan {
  id: string;
  spec: EncounterSpec;
  type: Coded;
  startMs: number;
  endMs: number;
}

/** How far back a patient's history goes: enough for chronic care to show, short enough to keep dates recent. */
const HISTORY_MS = 10 * YEAR_MS;

/** 1-6 encounters inside the last ten years (never before birth), finished before the reference date, oldest first. */
export function planEncounters(rng: Random, key: string, birthMs: number, referenceMs: number): EncounterPlan[] {
  const windowStart = Math.max(birthMs, referenceMs - HISTORY_MS);
  const plans: Omit<EncounterPlan, 'id'>[] = [];
  for (let i = rng.int(1, 6); i > 0; i--) {
    const spec = rng.weighted(ENCOUNTERS);
    const type = rng.pick(spec.types);
    const minutes = rng.int(spec.hours[0] * 60, spec.hours[1] * 60);
    // A newborn's window can be a single day: shorten the stay rather than let it run past the reference date.
    const durationMs = Math.min(
      minutes * MINUTE_MS,
      Math.floor((referenceMs - windowStart) / 2 / MINUTE_MS) * MINUTE_MS,
    );
    let startMs = rng.dateBetween(windowStart, referenceMs - durationMs);
    // Clinic visits happen in office hours (08:00-16:45 UTC, on the quarter hour); emergencies and admissions any time.
    const officeStart = Math.floor(startMs / DAY_MS) * DAY_MS + rng.int(32, 67) * 15 * MINUTE_MS;
    if (spec.classCode === 'AMB' && officeStart >= windowStart && officeStart + durationMs <= referenceMs) {
      startMs = officeStart;
    }
    plans.push({ spec, type, startMs, endMs: startMs + durationMs });
  }
  plans.sort((a, b) => a.startMs - b.startMs);
  return plans.map((plan, i) => ({ ...plan, id: `enc-${key}-${i + 1}` }));
}

export function encounterResource(plan: EncounterPlan, patientId: string): FhirResource {
  return {
    resourceType: 'Encounter',
    id: plan.id,
    status: 'finished',
    class: { system: SYSTEMS.actCode, code: plan.spec.classCode, display: plan.spec.classDisplay },
    type: [codeable(SYSTEMS.snomed, plan.type)],
    subject: reference('Patient', patientId),
    period: { start: dateTime(plan.startMs), end: dateTime(plan.endMs) },
  };
}

/** What can be measured at an encounter; `bloodPressure` stands for the systolic/diastolic panel. */
type ObservationKind = Exclude<MeasureKey, 'systolic' | 'diastolic'> | 'bloodPressure';
const CHILD_KINDS: readonly ObservationKind[] = [
  'heartRate',
  'respiratoryRate',
  'bodyTemperature',
  'bodyWeight',
  'bodyHeight',
  'bmi',
  'bloodPressure',
  'glucose',
  'creatinine',
];
/** HbA1c and cholesterol are screening labs for adults; children do not get them routinely. */
const ADULT_KINDS: readonly ObservationKind[] = [...CHILD_KINDS, 'hba1c', 'cholesterol'];

/** 2-8 distinct Observations taken during one encounter, from one consistent snapshot of the patient's body. */
export function encounterObservations(
  rng: Random,
  plan: EncounterPlan,
  patientId: string,
  body: Body,
  ageYears: number,
  fever: boolean,
): FhirResource[] {
  const kinds = rng.sample(ageYears >= 18 ? ADULT_KINDS : CHILD_KINDS, rng.int(2, 8));
  const stayMinutes = (plan.endMs - plan.startMs) / MINUTE_MS;
  // Vitals are taken on arrival; labs are drawn a little later but still during the stay.
  const vitalsMs = plan.startMs + rng.int(0, Math.min(15, stayMinutes)) * MINUTE_MS;
  const labsMs = plan.startMs + rng.int(0, Math.min(120, stayMinutes)) * MINUTE_MS;
  const values = body.snapshot(vitalsMs, rng, fever);
  // Formatting dates is the costliest step of generation: do it once per encounter, not once per Observation.
  const vitalsAt = dateTime(vitalsMs);
  const labsAt = dateTime(labsMs);
  const idPrefix = plan.id.replace(/^enc-/, 'obs-');
  return kinds.map((kind, i) => {
    const isLab = kind !== 'bloodPressure' && MEASURES[kind].category === 'laboratory';
    const observation: FhirResource = {
      resourceType: 'Observation',
      id: `${idPrefix}-${i + 1}`,
      status: 'final',
      category: [category(isLab ? 'laboratory' : 'vital-signs')],
      code: kind === 'bloodPressure' ? codeable(SYSTEMS.loinc, BP_PANEL) : codeable(SYSTEMS.loinc, MEASURES[kind]),
      subject: reference('Patient', patientId),
      encounter: reference('Encounter', plan.id),
      effectiveDateTime: isLab ? labsAt : vitalsAt,
    };
    if (kind === 'bloodPressure') {
      observation.component = [component('systolic', values), component('diastolic', values)];
    } else {
      observation.valueQuantity = quantity(kind, values);
    }
    return observation;
  });
}

function category(code: 'vital-signs' | 'laboratory') {
  const display = code === 'laboratory' ? 'Laboratory' : 'Vital Signs';
  return { coding: [{ system: SYSTEMS.observationCategory, code, display }], text: display };
}

function component(key: 'systolic' | 'diastolic', values: Snapshot) {
  return { code: codeable(SYSTEMS.loinc, MEASURES[key]), valueQuantity: quantity(key, values) };
}

function quantity(key: MeasureKey, values: Snapshot) {
  const spec = MEASURES[key];
  return { value: values[key], unit: spec.unit, system: SYSTEMS.ucum, code: spec.ucum };
}
