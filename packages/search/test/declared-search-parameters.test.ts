import { FHIR_VERSIONS, resourceTypesOf } from '@fhir-bulk/fhir';
import { searchDefinitions, type SearchParamType, toMongoFilter } from '../src';

const declaredSearchParameters = (type: string) => searchDefinitions('4.0.1').declared(type);

/** A value each kind of parameter accepts. */
const SAMPLE: Record<SearchParamType, string> = {
  token: 'final', // also a valid _id
  reference: 'Patient/p1',
  date: 'ge2020-01-01',
  string: 'Smi',
};

describe('declaredSearchParameters', () => {
  it('starts with _id and _lastUpdated, then the type’s own parameters with their official definitions', () => {
    const declared = declaredSearchParameters('Observation');
    expect(declared.slice(0, 2)).toEqual([
      { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
      { name: '_lastUpdated', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated' },
    ]);
    expect(declared).toContainEqual({
      name: 'code',
      type: 'token',
      definition: 'http://hl7.org/fhir/SearchParameter/clinical-code',
    });
    expect(declared).toContainEqual({
      name: 'patient',
      type: 'reference',
      definition: 'http://hl7.org/fhir/SearchParameter/clinical-patient',
    });
  });

  it.each(FHIR_VERSIONS)('declares only what toMongoFilter translates, for every %s type', (version) => {
    for (const type of resourceTypesOf(version)) {
      const declared = searchDefinitions(version).declared(type);
      expect(new Set(declared.map((p) => p.name)).size).toBe(declared.length);
      for (const { name, type: kind, definition } of declared) {
        expect(definition).toMatch(/^http:\/\/hl7\.org\/fhir\/SearchParameter\/[A-Za-z-]+$/);
        expect(() => toMongoFilter(type, [[name, SAMPLE[kind]]], { version })).not.toThrow();
      }
    }
  });

  it('leaves out what toMongoFilter refuses', () => {
    expect(declaredSearchParameters('Patient').map((p) => p.name)).not.toContain('address-city');
    expect(() => toMongoFilter('Patient', [['address-city', 'Boston']])).toThrow(/Unknown search parameter/);
  });
});
