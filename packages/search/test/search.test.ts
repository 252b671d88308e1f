/**
 * End to end without a database: documents built with extractSearchKeys, queries translated with toMongoFilter,
 * and an in-memory matcher limited to the operators FerretDB v1 supports decides which documents are selected.
 */
import { OperationOutcomeError } from '@fhir-bulk/fhir';
import { toMongoFilter } from '../src';
import { conditions, encounters, observations, patients } from './fixtures';
import { matches } from './match';

const collections: Record<string, Array<{ id: string } & Record<string, unknown>>> = {
  Patient: patients,
  Observation: observations,
  Condition: conditions,
  Encounter: encounters,
};

/** `Type?query` -> the ids it selects, sorted. */
function search(url: string, lenient = false): string[] {
  const [type = '', query = ''] = url.split('?');
  const { filter } = toMongoFilter(type, [...new URLSearchParams(query)], { lenient });
  return (collections[type] ?? []).filter((doc) => matches(doc, filter)).map((doc) => doc.id);
}

describe('search selects the right resources', () => {
  it.each([
    ['Observation?code=http://loinc.org|8867-4', ['o1', 'o4']],
    ['Observation?code=8867-4', ['o1', 'o4', 'o5']],
    ['Observation?code=|8867-4', ['o5']],
    ['Observation?code=http://loinc.org|', ['o1', 'o2', 'o3', 'o4']],
    ['Observation?code=http://loinc.org|8310-5,http://loinc.org|2339-0', ['o2', 'o3']],
    ['Observation?code:not=http://loinc.org|8867-4', ['o2', 'o3', 'o5']],
    ['Observation?category=vital-signs', ['o1', 'o2', 'o4']],
    ['Observation?category=vital-signs&code=8310-5', ['o2']],
    ['Observation?subject=Patient/p1', ['o1', 'o4']],
    ['Observation?subject=https://elsewhere.example/Patient/p1', ['o1', 'o4']],
    ['Observation?subject=p1', ['o1', 'o4']],
    ['Observation?subject=g1', ['o3']],
    ['Observation?subject:Group=g1', ['o3']],
    ['Observation?patient=p1', ['o1', 'o4']],
    ['Observation?patient=g1', []],
    ['Observation?patient=p1,p3', ['o1', 'o4', 'o5']],
    ['Observation?date=ge2020-06&date=lt2021', ['o1', 'o2', 'o4']],
    ['Observation?date=eq2020-07', ['o1']],
    ['Observation?date=2021', ['o3']],
    ['Observation?date=sa2020-12', ['o3']],
    ['Observation?date=eb2020-12-01', ['o1']],
    ['Observation?date=ne2020-07-15', ['o2', 'o3', 'o4']],
    ['Observation?date=gt2020-07-15T10:00:00Z', ['o2', 'o3', 'o4']],
    ['Observation?date=le2020-07-15T12:00:00%2B02:00', ['o1', 'o4']],
    ['Observation?date=lt2020-01,ge2021-02', ['o3', 'o4']], // o4 never ended
    ['Observation?date:missing=true', ['o5']],
    ['Observation?status=final&_id=o1,o2,zz', ['o1', 'o2']],
    ['Patient?birthdate=1980', ['p1', 'p2']],
    ['Patient?birthdate=lt1980', ['p3']],
    ['Patient?name=smi', ['p1', 'p2', 'p4']],
    ['Patient?name=SMÍ', ['p1', 'p2', 'p4']],
    ['Patient?name=bob', ['p4']],
    ['Patient?name:contains=ith', ['p1', 'p2', 'p4']],
    ['Patient?family:exact=Smith', ['p1', 'p2']],
    ['Patient?given=mar,ann', ['p2', 'p3']],
    ['Patient?gender=female,other', ['p2', 'p3']],
    ['Patient?active=true', ['p1', 'p3']],
    ['Patient?active:missing=true', ['p4']],
    ['Patient?identifier=http://hospital.example/mrn|MRN1', ['p1']],
    ['Patient?identifier=MRN1', ['p1']],
    ['Patient?_lastUpdated=gt2025-01-01', ['p2', 'p4']],
    ['Patient?_lastUpdated=2025-01-01', ['p3']],
    ['Patient?_lastUpdated=ge2025-01-01&_lastUpdated=lt2025-03', ['p3', 'p4']],
    ['Patient?_id=p1,p3', ['p1', 'p3']],
    ['Patient?_count=1&_sort=-_lastUpdated', ['p1', 'p2', 'p3', 'p4']],
    ['Condition?clinical-status=active', ['c1']],
    ['Condition?onset-date=2018', ['c2']],
    ['Condition?onset-date=2019-03-10', []],
    ['Condition?patient=p2', ['c2']],
    ['Encounter?subject=Patient/p2', ['e1']],
    ['Encounter?class=AMB', ['e1']],
    ['Encounter?date=ge2022', ['e2']],
    ['Encounter?date=2021-01-01', ['e1']],
  ])('%s', (url, expected) => {
    expect(search(url)).toEqual(expected);
  });
});

describe('search errors', () => {
  const failure = (url: string, lenient = false) => {
    try {
      search(url, lenient);
    } catch (error) {
      if (error instanceof OperationOutcomeError) return { status: error.status, issue: error.outcome.issue[0] };
      throw error;
    }
    throw new Error(`${url} did not fail`);
  };

  it('rejects an unknown parameter with a 400 pointing at it', () => {
    expect(failure('Patient?foo=bar')).toMatchObject({ status: 400, issue: { expression: ['foo'] } });
  });

  it('rejects a parameter not defined for the type', () => {
    expect(failure('Patient?date=2020')).toMatchObject({ status: 400, issue: { expression: ['date'] } });
    expect(failure('Observation?subject.name=smith')).toMatchObject({ status: 400 });
  });

  it('rejects bad dates, prefixes and modifiers even when lenient', () => {
    expect(failure('Observation?date=2020-13', true)).toMatchObject({ status: 400, issue: { expression: ['date'] } });
    expect(failure('Observation?date=xx2020', true)).toMatchObject({ status: 400 });
    expect(failure('Patient?_lastUpdated=yesterday', true)).toMatchObject({ status: 400 });
    expect(failure('Observation?code:text=heart', true)).toMatchObject({ issue: { expression: ['code:text'] } });
  });

  it('skips unknown parameters when lenient and says so', () => {
    expect(search('Patient?foo=bar&gender=male', true)).toEqual(['p1']);
    expect(toMongoFilter('Patient', [['foo', 'bar']], { lenient: true }).ignored).toEqual(['foo']);
  });
});

describe('compartments', () => {
  const compartmentsOf = (id: string) =>
    [...patients, ...observations, ...conditions, ...encounters].find((d) => d.id === id)?.compartments;

  it('puts a resource in the compartment of the patients it references', () => {
    expect(compartmentsOf('o1')).toEqual(['Patient/p1']);
    expect(compartmentsOf('o4')).toEqual(['Patient/p1']); // absolute reference
    expect(compartmentsOf('o3')).toEqual([]); // a Group is not a patient
    expect(compartmentsOf('o5')).toEqual(['Patient/p3', 'Patient/p2']); // subject and performer
    expect(compartmentsOf('e1')).toEqual(['Patient/p2']);
  });

  it('puts a Patient in its own compartment', () => {
    expect(compartmentsOf('p1')).toEqual(['Patient/p1']);
  });

  it('selects a compartment with plain equality', () => {
    const inP1 = observations.filter((doc) => matches(doc, { compartments: 'Patient/p1' })).map((d) => d.id);
    expect(inP1).toEqual(['o1', 'o4']);
  });
});
