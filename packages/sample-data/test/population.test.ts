import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FHIR_VERSIONS, type FhirVersion } from '@fhir-bulk/fhir';
import { validateResource } from '@fhir-bulk/validation';
import { type FhirResource, generatePopulation, GROUP_MEMBER_LIMIT } from '../src';

/** The GC function without `node --expose-gc`: the flag set at run time shows `gc` to new contexts. */
function exposeGc(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

const UCUM = 'http://unitsofmeasure.org';
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

interface Quantity {
  value?: unknown;
  unit?: string;
  system?: string;
  code?: string;
}

function collect(patients: number, seed?: number): FhirResource[] {
  return [...generatePopulation({ patients, ...(seed === undefined ? {} : { seed }) })];
}

/** Every `reference` string anywhere inside a resource. */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) references(item, out);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string') out.push(child);
      else references(child, out);
    }
  }
  return out;
}

function countByType(resources: Iterable<FhirResource>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
  return counts;
}

describe('generatePopulation', () => {
  const population = collect(2_000);

  it('gives the same output for the same seed and different output for a different one', () => {
    expect(JSON.stringify(collect(200, 7))).toBe(JSON.stringify(collect(200, 7)));
    expect(JSON.stringify(collect(200, 7))).not.toBe(JSON.stringify(collect(200, 8)));
    // A patient does not depend on how many come after it (the two Groups at the end do).
    const first50 = collect(50).slice(0, -2);
    expect(first50).toEqual(population.slice(0, first50.length));
  });

  it('gives every resource a valid id, unique across 2,000 patients', () => {
    const ids = population.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !FHIR_ID.test(id))).toEqual([]);
    expect(population.filter((r) => r.resourceType === 'Patient')).toHaveLength(2_000);
    expect(population.some((r) => 'meta' in r)).toBe(false);
  });

  // The checks below gather violations and assert once: a million separate expect() calls would dominate the run.
  it("makes each patient's resources reference only that patient and resources already emitted for it", () => {
    const violations: string[] = [];
    let known = new Set<string>();
    let patientRef = '';
    for (const resource of population) {
      if (resource.resourceType === 'Group') continue;
      if (resource.resourceType === 'Patient') {
        patientRef = `Patient/${resource.id}`;
        known = new Set([patientRef]);
        continue;
      }
      const subject = (resource.subject as { reference?: string } | undefined)?.reference;
      if (subject !== patientRef) violations.push(`${resource.id}: subject ${subject} under ${patientRef}`);
      for (const ref of references(resource)) if (!known.has(ref)) violations.push(`${resource.id} -> ${ref}`);
      known.add(`${resource.resourceType}/${resource.id}`);
    }
    expect(violations).toEqual([]);
  });

  it('gives every Observation a UCUM valueQuantity, or components that each have one', () => {
    const observations = population.filter((r) => r.resourceType === 'Observation');
    expect(observations.length).toBeGreaterThan(0);
    const violations: string[] = [];
    for (const obs of observations) {
      const components = (obs.component ?? []) as { valueQuantity?: Quantity }[];
      const quantities = obs.valueQuantity ? [obs.valueQuantity as Quantity] : components.map((c) => c.valueQuantity);
      if (quantities.length === 0) violations.push(`${obs.id}: no value`);
      for (const q of quantities) {
        const ok =
          q?.system === UCUM && !!q.code && !!q.unit && typeof q.value === 'number' && Number.isFinite(q.value);
        if (!ok) violations.push(`${obs.id}: ${JSON.stringify(q)}`);
      }
    }
    expect(violations).toEqual([]);
    const bp = observations.find((o) => (o.code as { coding: { code: string }[] }).coding[0]?.code === '85354-9');
    expect(bp?.component).toHaveLength(2);
    expect(bp?.valueQuantity).toBeUndefined();
  });

  it('keeps dates consistent: after birth, inside the encounter, before the reference date', () => {
    const reference = '2026-01-01T00:00:00Z';
    const violations: string[] = [];
    const periods = new Map<string, { start: string; end: string }>();
    let birthDate = '';
    for (const r of population) {
      if (r.resourceType === 'Patient') birthDate = r.birthDate as string;
      if (r.resourceType === 'Encounter') {
        const period = r.period as { start: string; end: string };
        if (!(birthDate <= period.start && period.start <= period.end && period.end <= reference)) {
          violations.push(`${r.id}: ${JSON.stringify(period)} born ${birthDate}`);
        }
        periods.set(`Encounter/${r.id}`, period);
      }
      const period = periods.get((r.encounter as { reference: string } | undefined)?.reference ?? '');
      const at = (r.effectiveDateTime ?? r.authoredOn) as string | undefined;
      if (period && at && !(period.start <= at && at <= period.end)) violations.push(`${r.id}: ${at} outside period`);
      if (r.resourceType === 'Condition') {
        const onset = r.onsetDateTime as string;
        if (!(birthDate <= onset && onset <= (r.recordedDate as string))) violations.push(`${r.id}: onset ${onset}`);
      }
    }
    expect(violations).toEqual([]);
    const ages = population
      .filter((r) => r.resourceType === 'Patient')
      .map((p) => 2026 - Number((p.birthDate as string).slice(0, 4)));
    expect(Math.min(...ages)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ages)).toBeLessThanOrEqual(96); // 95 years and some months, born in the calendar year 1930
  });

  it('emits Groups last, whose members are all patients of the population', () => {
    const patientIds = new Set(population.filter((r) => r.resourceType === 'Patient').map((p) => `Patient/${p.id}`));
    const groups = population.slice(-2);
    expect(groups.map((g) => g.resourceType)).toEqual(['Group', 'Group']);
    expect(groups.map((g) => g.quantity)).toEqual([1_000, 667]);
    for (const group of groups) {
      expect(group).toMatchObject({ type: 'person', actual: true, name: expect.any(String) });
      expect(group.member).toHaveLength(group.quantity as number);
      expect(references(group).filter((ref) => !patientIds.has(ref))).toEqual([]);
    }
    expect(collect(10)).not.toContainEqual(expect.objectContaining({ resourceType: 'Group', quantity: 0 }));
  });

  it('yields plausible volumes per patient', () => {
    const counts = countByType(collect(1_000));
    expect(counts.Patient).toBe(1_000);
    expect((counts.Encounter ?? 0) / 1_000).toBeGreaterThan(1);
    expect((counts.Encounter ?? 0) / 1_000).toBeLessThan(6);
    expect((counts.Observation ?? 0) / 1_000).toBeGreaterThan(4);
    expect((counts.Observation ?? 0) / 1_000).toBeLessThan(30);
    expect(counts.Condition).toBeGreaterThan(0);
    expect(counts.MedicationRequest).toBeGreaterThan(0);
  });

  it('rejects nonsensical options', () => {
    expect(() => collect(-1)).toThrow(RangeError);
    expect(() => [...generatePopulation({ patients: 1, referenceDate: 'soon' })]).toThrow(RangeError);
  });

  it('streams 20,000 patients in bounded memory, capping Group members', () => {
    // Collect garbage before both readings so only what is still held counts. Keeping the whole population would
    // be several hundred MB, far above the bound.
    const gc = exposeGc();
    gc();
    const before = process.memoryUsage().heapUsed;
    let resources = 0;
    const groups: FhirResource[] = [];
    for (const resource of generatePopulation({ patients: 20_000 })) {
      resources++;
      if (resource.resourceType === 'Group') groups.push(resource);
    }
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    expect(resources).toBeGreaterThan(20_000 * 5);
    expect(growth).toBeLessThan(20 * 1024 * 1024);
    expect(groups.map((g) => g.quantity)).toEqual([GROUP_MEMBER_LIMIT / 2, Math.ceil(GROUP_MEMBER_LIMIT / 3)]);
  });
});

describe('generatePopulation in each FHIR version', () => {
  /** Every issue of every resource of 300 patients, as `Type/id: expression: diagnostics`. */
  function invalid(fhirVersion: FhirVersion): string[] {
    const problems: string[] = [];
    for (const resource of generatePopulation({ patients: 300, fhirVersion })) {
      for (const issue of validateResource(resource, { fhirVersion, requireId: true }))
        problems.push(`${resource.resourceType}/${resource.id}: ${issue.expression}: ${issue.diagnostics}`);
    }
    return problems;
  }

  it.each(FHIR_VERSIONS)('makes only resources valid in FHIR %s (schema and required elements)', (fhirVersion) => {
    expect(invalid(fhirVersion)).toEqual([]);
  });

  it("writes R5's shapes: Encounter class list and actualPeriod, a CodeableReference medication, Group membership", () => {
    const r4 = collect(50);
    const r5 = [...generatePopulation({ patients: 50, fhirVersion: '5.0.0' })];
    expect(r5.map((r) => `${r.resourceType}/${r.id}`)).toEqual(r4.map((r) => `${r.resourceType}/${r.id}`));
    const first = (resources: FhirResource[], type: string) => resources.find((r) => r.resourceType === type)!;
    const [encounter4, encounter5] = [first(r4, 'Encounter'), first(r5, 'Encounter')];
    expect(encounter5.class).toEqual([{ coding: [encounter4.class] }]);
    expect(encounter5.actualPeriod).toEqual(encounter4.period);
    expect(encounter5.status).toBe('completed');
    const [request4, request5] = [first(r4, 'MedicationRequest'), first(r5, 'MedicationRequest')];
    expect(request5.medication).toEqual({ concept: request4.medicationCodeableConcept });
    expect(request5.reason).toEqual((request4.reasonReference as unknown[]).map((reference) => ({ reference })));
    expect(first(r5, 'Group').membership).toBe('enumerated');
    expect(first(r5, 'Observation')).toEqual(first(r4, 'Observation'));
  });
});
