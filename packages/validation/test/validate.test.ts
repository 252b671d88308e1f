import { OperationOutcomeError } from '@fhir-bulk/fhir';
import { assertValidResource, MAX_ISSUES, validateResource, type ValidationIssue } from '../src';
import { r5DeviceUsage, r5Encounter, r5MedicationRequest } from '@fhir-bulk/test-support/src/r5-resources';
import { condition, copy, encounter, medicationRequest, observation, patient } from './fixtures';

/** The only issue, failing with all issues printed if there is not exactly one. */
function single(issues: ValidationIssue[]): ValidationIssue {
  expect(issues).toHaveLength(1);
  return issues[0] as ValidationIssue;
}

describe('validateResource', () => {
  it.each([
    ['Patient', patient],
    ['Observation', observation],
    ['Encounter', encounter],
    ['Condition', condition],
    ['MedicationRequest', medicationRequest],
  ])('accepts a realistic %s', (type, resource) => {
    expect(validateResource(resource, { expectedType: type, requireId: true })).toEqual([]);
  });

  it('accepts a Bundle whose entries and contained resources are valid', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: patient }, { resource: observation }],
    };
    expect(validateResource(bundle)).toEqual([]);
    expect(validateResource({ ...condition, contained: [medicationRequest] })).toEqual([]);
  });

  it.each([
    ['an array', [patient]],
    ['a string', 'Patient'],
    ['null', null],
    ['a number', 42],
  ])('rejects %s as a resource with one structure issue', (_label, body) => {
    expect(single(validateResource(body))).toMatchObject({ code: 'structure', expression: 'Resource' });
    expect(single(validateResource(body, { expectedType: 'Patient' })).expression).toBe('Patient');
  });

  it('reports a missing or unknown resourceType', () => {
    expect(single(validateResource({ id: 'x' }))).toMatchObject({ code: 'required', expression: 'resourceType' });
    const unknown = single(validateResource({ resourceType: 'Patientt' }));
    expect(unknown).toMatchObject({ code: 'value', expression: 'resourceType' });
    expect(unknown.diagnostics).toContain("'Patientt'");
    expect(single(validateResource({ resourceType: 7 })).code).toBe('value');
  });

  it('reports a body of another type than the URL names', () => {
    const issue = single(validateResource(observation, { expectedType: 'Patient' }));
    expect(issue).toMatchObject({ code: 'invalid', expression: 'resourceType' });
    expect(issue.diagnostics).toContain('Observation');
  });

  it.each([
    ['a space', 'has space'],
    ['65 characters', 'a'.repeat(65)],
    ['an underscore', 'a_b'],
    ['a number', 12],
  ])('reports an id with %s once, at Patient.id', (_label, id) => {
    expect(single(validateResource({ ...patient, id }))).toMatchObject({ code: 'value', expression: 'Patient.id' });
  });

  it('requires or forbids the id on request', () => {
    const { id: _id, ...withoutId } = patient;
    expect(validateResource(withoutId)).toEqual([]);
    expect(single(validateResource(withoutId, { requireId: true }))).toMatchObject({
      code: 'required',
      expression: 'Patient.id',
    });
    expect(single(validateResource(patient, { forbidId: true }))).toMatchObject({
      code: 'invalid',
      expression: 'Patient.id',
    });
  });

  it('reports an unknown element', () => {
    expect(single(validateResource({ ...patient, foo: 1 }))).toEqual({
      severity: 'error',
      code: 'structure',
      diagnostics: "Unknown element 'foo'",
      expression: 'Patient.foo',
    });
    const nested = copy(patient);
    nested.name[0] = { ...patient.name[0], middle: 'X' } as (typeof patient.name)[0];
    expect(single(validateResource(nested)).expression).toBe('Patient.name[0].middle');
  });

  it('reports a date that does not match the R4 date pattern', () => {
    const issue = single(validateResource({ ...patient, birthDate: '1980-13-45' }));
    expect(issue).toMatchObject({ code: 'value', expression: 'Patient.birthDate' });
    expect(issue.diagnostics).toContain("'1980-13-45'");
  });

  it('reports bad values at nested array indices', () => {
    expect(single(validateResource({ ...patient, name: [{ given: ['John', 3] }] }))).toMatchObject({
      code: 'value',
      expression: 'Patient.name[0].given[1]',
    });
    const obs = copy(observation);
    (obs.component[2] as { valueQuantity: { value: unknown } }).valueQuantity.value = '93.3';
    expect(single(validateResource(obs)).expression).toBe('Observation.component[2].valueQuantity.value');
  });

  it('reports a number given as a string, quoting it', () => {
    const issue = single(validateResource({ ...observation, valueQuantity: { value: '12', unit: 'kg' } }));
    expect(issue).toMatchObject({ code: 'value', expression: 'Observation.valueQuantity.value' });
    expect(issue.diagnostics).toContain("'12'");
  });

  it('reports a code outside its value set, an object for an array and a fractional integer', () => {
    expect(single(validateResource({ ...observation, status: 'done' }))).toMatchObject({
      code: 'value',
      expression: 'Observation.status',
    });
    expect(single(validateResource({ ...patient, name: { family: 'Smith' } })).expression).toBe('Patient.name');
    const dose = copy(medicationRequest);
    (dose.dosageInstruction[0] as { sequence: number }).sequence = 1.5;
    expect(single(validateResource(dose)).expression).toBe('MedicationRequest.dosageInstruction[0].sequence');
  });

  it('cuts long values in the diagnostics', () => {
    const issue = single(validateResource({ ...patient, birthDate: 'x'.repeat(10_000) }));
    expect(issue.diagnostics.length).toBeLessThan(200);
  });

  it.each([
    ['Observation', observation, 'status'],
    ['Observation', observation, 'code'],
    ['Encounter', encounter, 'class'],
    ['Condition', condition, 'subject'],
    ['MedicationRequest', medicationRequest, 'intent'],
  ])('reports a missing %s.%s', (type, resource, element) => {
    const { [element]: _dropped, ...rest } = resource as Record<string, unknown>;
    expect(single(validateResource(rest))).toMatchObject({ code: 'required', expression: `${type}.${element}` });
  });

  it('reports a missing choice element by its base name, and accepts any of its types', () => {
    const { medicationCodeableConcept: _m, ...rest } = medicationRequest;
    const issue = single(validateResource(rest));
    expect(issue).toMatchObject({ code: 'required', expression: 'MedicationRequest.medication' });
    expect(issue.diagnostics).toContain('medicationReference');
    expect(validateResource({ ...rest, medicationReference: { reference: 'Medication/m1' } })).toEqual([]);
  });

  it('accepts a required primitive given only as extensions (_status)', () => {
    const { status: _s, ...rest } = observation;
    const absent = {
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }],
    };
    expect(validateResource({ ...rest, _status: absent })).toEqual([]);
  });

  it('checks resources inside Bundles and contained, locating issues there', () => {
    const bundle = {
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'Observation', code: observation.code } }],
    };
    expect(validateResource(bundle).map((i) => i.expression)).toEqual([
      'Bundle.type',
      'Bundle.entry[0].resource.status',
    ]);
    const contained = { ...patient, contained: [{ resourceType: 'Nope' }, { ...encounter, status: 'over' }] };
    expect(validateResource(contained).map((i) => [i.code, i.expression])).toEqual([
      ['value', 'Patient.contained[0].resourceType'],
      ['value', 'Patient.contained[1].status'],
    ]);
  });

  it(`reports at most ${MAX_ISSUES} issues, saying how many more there were`, () => {
    const unknown = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`bogus${i}`, i]));
    const issues = validateResource({ ...patient, ...unknown });
    expect(issues).toHaveLength(MAX_ISSUES);
    expect(issues[MAX_ISSUES - 1]?.diagnostics).toBe('11 more issues not shown');
  });
});

describe('assertValidResource', () => {
  it('passes a valid resource', () => {
    const body: unknown = copy(patient);
    assertValidResource(body, { expectedType: 'Patient' });
    expect(body.resourceType).toBe('Patient');
  });

  it('throws a 400 OperationOutcome with one issue per problem', () => {
    const { status: _s, ...rest } = observation;
    let error: unknown;
    try {
      assertValidResource({ ...rest, foo: true, effectiveDateTime: '2019-02-30T25:00' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OperationOutcomeError);
    const { status, outcome } = error as OperationOutcomeError;
    expect(status).toBe(400);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue.map((i) => [i.severity, i.code, i.expression])).toEqual([
      ['error', 'required', ['Observation.status']],
      ['error', 'structure', ['Observation.foo']],
      ['error', 'value', ['Observation.effectiveDateTime']],
    ]);
  });
});

describe('validateResource of FHIR R5 (5.0.0)', () => {
  const r5 = { fhirVersion: '5.0.0' } as const;
  it.each([
    ['Encounter', r5Encounter],
    ['MedicationRequest', r5MedicationRequest],
    ['DeviceUsage', r5DeviceUsage],
    ['Patient', patient],
    ['Observation', observation],
  ])('accepts a realistic R5 %s against the R5 schema and StructureDefinitions', (type, resource) => {
    expect(validateResource(resource, { ...r5, expectedType: type, requireId: true })).toEqual([]);
  });

  it('refuses the R4 shapes R5 changed, naming the element', () => {
    const issues = validateResource(encounter, r5); // R4: class is one Coding, period not actualPeriod
    expect(issues.map((i) => i.expression)).toEqual(expect.arrayContaining(['Encounter.class']));
    const medication = validateResource(medicationRequest, r5); // R4: medicationCodeableConcept
    expect(medication.map((i) => i.expression)).toEqual(
      expect.arrayContaining(['MedicationRequest.medication', 'MedicationRequest.medicationCodeableConcept']),
    );
    // And the other way round: an R5 Encounter is not an R4 one (R4 has no actualPeriod, nor status `completed`).
    expect(validateResource(r5Encounter).map((i) => i.expression)).toEqual(
      expect.arrayContaining(['Encounter.actualPeriod', 'Encounter.status']),
    );
  });

  it('knows each version by its own types: R4-only and R5-only types are unknown in the other', () => {
    const deviceUseStatement = {
      resourceType: 'DeviceUseStatement',
      status: 'active',
      subject: { reference: 'Patient/pat-1' },
      device: { reference: 'Device/d-1' },
    };
    expect(validateResource(deviceUseStatement)).toEqual([]);
    expect(single(validateResource(deviceUseStatement, r5))).toMatchObject({
      code: 'value',
      expression: 'resourceType',
      diagnostics: "Unknown resource type 'DeviceUseStatement' in FHIR 5.0.0",
    });
    expect(single(validateResource(r5DeviceUsage)).diagnostics).toBe(
      "Unknown resource type 'DeviceUsage' in FHIR 4.0.1",
    );
  });
});
