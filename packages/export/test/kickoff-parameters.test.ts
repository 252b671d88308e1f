import { requestParameters } from '@fhir-bulk/fhir';
import { kickoffParameters, ParameterList } from '../src';
import { body as bodyParameters, issueOf } from './kickoff-helpers';

const queryParameters = (query: string) => kickoffParameters(requestParameters(query, undefined, ''));

describe('kickoffParameters', () => {
  it('keeps repeated query names as separate entries, decoded, in order', () => {
    expect(queryParameters('?_type=Patient&_typeFilter=Observation%3Fcode%3Dx&_type=Condition')).toEqual([
      { name: '_type', value: 'Patient', source: 'query' },
      { name: '_typeFilter', value: 'Observation?code=x', source: 'query' },
      { name: '_type', value: 'Condition', source: 'query' },
    ]);
  });

  it('reads primitive values as text and references as their reference', () => {
    expect(
      bodyParameters({
        resourceType: 'Parameters',
        parameter: [
          { name: '_since', valueInstant: '2024-01-01T00:00:00Z' },
          { name: 'allowPartialManifests', valueBoolean: true },
          { name: 'patient', valueReference: { reference: 'Patient/1' } },
        ],
      }),
    ).toEqual([
      { name: '_since', value: '2024-01-01T00:00:00Z', source: 'body' },
      { name: 'allowPartialManifests', value: 'true', source: 'body' },
      { name: 'patient', value: 'Patient/1', source: 'body' },
    ]);
  });

  it('takes a Parameters resource without parameters as none', () => {
    expect(bodyParameters({ resourceType: 'Parameters' })).toEqual([]);
  });

  it('reads the query string first, then the body', () => {
    const body = {
      resourceType: 'Parameters',
      parameter: [{ name: 'patient', valueReference: { reference: 'Patient/1' } }],
    };
    expect(kickoffParameters(requestParameters('_type=Patient', body, 'a POST kick-off'))).toEqual([
      { name: '_type', value: 'Patient', source: 'query' },
      { name: 'patient', value: 'Patient/1', source: 'body' },
    ]);
  });

  it.each([
    ['another resource', { resourceType: 'Patient' }, undefined],
    ['a non-array parameter', { resourceType: 'Parameters', parameter: {} }, 'Parameters.parameter'],
    [
      'a nameless parameter',
      { resourceType: 'Parameters', parameter: [{ valueString: 'x' }] },
      'Parameters.parameter[0]',
    ],
    [
      'two values',
      { resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'a', valueCode: 'b' }] },
      '_type',
    ],
    ['no value', { resourceType: 'Parameters', parameter: [{ name: '_type' }] }, '_type'],
    ['parts', { resourceType: 'Parameters', parameter: [{ name: '_type', valueString: 'a', part: [] }] }, '_type'],
    [
      'a complex value',
      { resourceType: 'Parameters', parameter: [{ name: '_type', valueCoding: { code: 'a' } }] },
      '_type',
    ],
    [
      'a logical reference',
      { resourceType: 'Parameters', parameter: [{ name: 'patient', valueReference: { identifier: { value: '1' } } }] },
      'patient',
    ],
  ])('rejects %s', (_what, body, expression) => {
    const issue = issueOf(() => bodyParameters(body));
    expect(issue).toMatchObject({ status: 400, code: 'invalid' });
    expect(issue.expression).toEqual(expression && [expression]);
  });
});

describe('ParameterList', () => {
  const list = () => new ParameterList(queryParameters('a=1&b=x,y&b=y,%20z&c=&a=2&d=only'));

  it('joins repeated comma lists, trimmed and without duplicates', () => {
    expect(list().list('b')).toEqual(['x', 'y', 'z']);
    expect(list().list('missing')).toBeUndefined();
  });

  it('refuses a 0..1 parameter given twice', () => {
    expect(issueOf(() => list().one('a'))).toMatchObject({ status: 400, expression: ['a'] });
    expect(list().one('d')).toBe('only');
  });

  it('leaves what nobody took, without blank values', () => {
    const parameters = list();
    parameters.take('a');
    parameters.list('b');
    expect(parameters.remaining().map((p) => p.name)).toEqual(['d']);
  });
});
