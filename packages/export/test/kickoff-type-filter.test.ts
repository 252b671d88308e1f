import { Handling, parseTypeFilters, typeFilterParameters } from '../src';
import { get, issueOf, lenient, post } from './kickoff-helpers';

const typeFilter = (...queries: string[]) => queries.map((q) => `_typeFilter=${encodeURIComponent(q)}`).join('&');

describe('_typeFilter', () => {
  it('ORs repeated queries for a type and keeps each as sent', () => {
    const query = `_type=MedicationRequest&${typeFilter(
      'MedicationRequest?status=active',
      'MedicationRequest?status=completed&date=gt2018-07-01T00:00:00Z',
    )}`;
    expect(get(query).typeFilters).toEqual({
      MedicationRequest: ['status=active', 'status=completed&date=gt2018-07-01T00:00:00Z'],
    });
  });

  it('splits the comma-joined queries of IG 2.0.0, but not a comma inside a query', () => {
    const joined = 'Observation?status=final,amended,Condition?clinical-status=active&code=a,b';
    expect(get(`_type=Observation,Condition&_typeFilter=${encodeURIComponent(joined)}`).typeFilters).toEqual({
      Observation: ['status=final,amended'],
      Condition: ['clinical-status=active&code=a,b'],
    });
  });

  it('decodes a query encoded once more, keeping + as a plus', () => {
    const query = 'Observation?date=ge2024-01-01T00:00:00+01:00&code=http%3A%2F%2Floinc.org%7C1234-5';
    expect(typeFilterParameters(get(`_type=Observation&${typeFilter(query)}`).typeFilters.Observation![0]!)).toEqual([
      ['date', 'ge2024-01-01T00:00:00+01:00'],
      ['code', 'http://loinc.org|1234-5'],
    ]);
  });

  it('reads POST values too, and drops a repeated query', () => {
    const request = post([
      { name: '_type', valueString: 'Observation' },
      { name: '_typeFilter', valueString: 'Observation?code=x' },
      { name: '_typeFilter', valueString: 'Observation?code=x' },
    ]);
    expect(request.typeFilters).toEqual({ Observation: ['code=x'] });
  });

  it('applies to the default types when _type is absent', () => {
    expect(get(typeFilter('Observation?code=x'), { level: 'patient' }).typeFilters).toEqual({
      Observation: ['code=x'],
    });
  });

  it('notes a filter on a type that is not exported, which can select nothing', () => {
    const request = get(`_type=Patient&${typeFilter('Observation?code=x')}`);
    expect(request.typeFilters).toEqual({});
    expect(request.ignored).toEqual([{ parameter: '_typeFilter', reason: expect.stringContaining('no effect') }]);
  });

  it.each([
    ['an unknown search parameter', 'Observation?foo=bar', 'foo'],
    ['an unsupported modifier', 'Observation?code:below=x', 'below'],
    ['a bad date', 'Observation?date=gtsoon', 'Observation?date=gtsoon'],
    ['an unknown type', 'Foo?code=x', 'Foo is not a FHIR 4.0.1 resource type'],
  ])('answers 400 naming _typeFilter for %s', (_what, query, mention) => {
    expect(issueOf(() => get(`_type=Observation&${typeFilter(query)}`))).toMatchObject({
      status: 400,
      expression: ['_typeFilter'],
      diagnostics: expect.stringContaining(mention),
    });
  });

  it('exports a type unfiltered under lenient handling when one of its queries cannot run', () => {
    const request = get(
      `_type=Observation,Condition&${typeFilter('Observation?code=x', 'Observation?foo=bar', 'Condition?code=y')}`,
      lenient,
    );
    expect(request.typeFilters).toEqual({ Condition: ['code=y'] });
    expect(request.ignored).toEqual([
      { parameter: '_typeFilter', reason: expect.stringMatching(/foo.*Observation is exported unfiltered$/) },
    ]);
  });

  it.each([
    ['no type', 'status=final'],
    ['no query', 'Observation?'],
    ['a compartment search', 'Patient/1/Observation?code=x'],
    ['a nameless parameter', 'Observation?=x'],
    ['a parameter without value', 'Observation?code'],
    ['bad percent-encoding', 'Observation?code=50%'],
    ['a result parameter', 'Observation?code=x&_sort=date'],
    ['an include', 'Observation?_include=Observation:subject'],
  ])('refuses %s even when lenient', (_what, query) => {
    expect(issueOf(() => get(`_type=Observation&${typeFilter(query)}`, lenient))).toMatchObject({
      status: 400,
      expression: ['_typeFilter'],
    });
  });

  it('returns nothing for no queries', () => {
    expect(parseTypeFilters([], ['Patient'], new Handling(false), '4.0.1')).toEqual({});
  });
});
