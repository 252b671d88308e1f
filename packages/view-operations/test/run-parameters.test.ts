import { type NamedElements, OperationOutcomeError, requestParameters } from '@fhir-bulk/fhir';
import { parseRunParameters } from '../src';

const baseUrl = 'http://fhir.example/tenant/a';
const view = {
  resourceType: 'ViewDefinition',
  resource: 'Patient',
  select: [{ column: [{ name: 'id', path: 'id' }] }],
};
const body = (json: unknown) => requestParameters('', json, '$viewdefinition-run');
const parameters = (...parameter: unknown[]) => body({ resourceType: 'Parameters', parameter });
const none = () => requestParameters('', undefined, '$viewdefinition-run');
const parse = (list: NamedElements, viewId?: string) => parseRunParameters(list, { baseUrl, viewId });

/** The OperationOutcome a call throws, as status, code and expression. */
function rejection(call: () => unknown) {
  try {
    call();
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    const [issue] = error.outcome.issue;
    return { status: error.status, code: issue?.code, expression: issue?.expression?.[0] };
  }
  throw new Error('expected an OperationOutcomeError');
}

describe('parseRunParameters', () => {
  it('reads every parameter of a Parameters body', () => {
    const patient = { resourceType: 'Patient', id: 'p1' };
    const observation = { resourceType: 'Observation', id: 'o1' };
    const request = parse(
      parameters(
        { name: '_format', valueCode: 'text/csv' },
        { name: 'header', valueBoolean: false },
        { name: 'viewResource', resource: view },
        { name: 'resource', resource: patient },
        { name: 'resource', resource: { resourceType: 'Bundle', entry: [{ resource: observation }, {}] } },
        { name: 'patient', valueReference: { reference: 'Patient/p1' } },
        { name: 'patient', valueReference: { reference: `${baseUrl}/Patient/p2` } },
        { name: '_since', valueInstant: '2024-01-31T12:00:00+01:00' },
        { name: '_limit', valueInteger: 5 },
      ),
    );
    expect(request).toEqual({
      format: 'csv',
      header: false,
      view: { resource: view },
      resources: [patient, observation],
      patients: ['p1', 'p2'],
      since: new Date('2024-01-31T11:00:00Z'),
      limit: 5,
    });
  });

  it('reads the same parameters from a query string, where a stored view is named by reference', () => {
    const query = new URLSearchParams(
      '_format=ndjson&header=true&viewReference=ViewDefinition/v1&patient=Patient/p1&_since=2024-01-31T12:00:00 01:00&_limit=10&_limit=',
    );
    expect(parse(requestParameters(query, undefined, '$viewdefinition-run'))).toEqual({
      format: 'ndjson',
      header: true,
      view: { id: 'v1' },
      patients: ['p1'],
      since: new Date('2024-01-31T11:00:00Z'),
      limit: 10,
    });
  });

  it('leaves the format to content negotiation and the header on when they are not given', () => {
    expect(parse(none(), 'v1')).toEqual({ header: true, view: { id: 'v1' }, patients: [] });
  });

  it('needs exactly one of viewResource and viewReference, and neither at the instance level', () => {
    const inline = { name: 'viewResource', resource: view };
    const reference = { name: 'viewReference', valueReference: { reference: 'ViewDefinition/v1' } };
    expect(rejection(() => parse(none()))).toEqual({ status: 400, code: 'required', expression: 'viewResource' });
    expect(rejection(() => parse(parameters(inline, reference)))).toMatchObject({ status: 400 });
    expect(rejection(() => parse(parameters(inline), 'v1'))).toMatchObject({ expression: 'viewResource' });
    expect(rejection(() => parse(parameters(reference), 'v1'))).toMatchObject({ expression: 'viewReference' });
  });

  it.each([
    ['an unknown format', { name: '_format', valueCode: 'parquet' }, '_format', 'not-supported'],
    ['a format of the wrong type', { name: '_format', valueBoolean: true }, '_format', 'invalid'],
    [
      'a reference to another server',
      { name: 'viewReference', valueReference: { reference: 'http://elsewhere/ViewDefinition/v1' } },
      'viewReference',
      'invalid',
    ],
    [
      'a reference to another type',
      { name: 'viewReference', valueReference: { reference: 'Patient/v1' } },
      'viewReference',
      'invalid',
    ],
    ['a patient that is not a Patient reference', { name: 'patient', valueString: 'p1' }, 'patient', 'invalid'],
    ['a _since that is not a date', { name: '_since', valueInstant: 'yesterday' }, '_since', 'invalid'],
    ['a _limit of 0', { name: '_limit', valueInteger: 0 }, '_limit', 'invalid'],
    ['a fractional _limit', { name: '_limit', valueDecimal: 1.5 }, '_limit', 'invalid'],
    ['a header that is not a boolean', { name: 'header', valueString: 'yes' }, 'header', 'invalid'],
    ['a resource parameter without a resource', { name: 'resource', valueString: 'Patient/1' }, 'resource', 'invalid'],
    ['the unsupported group', { name: 'group', valueReference: { reference: 'Group/g' } }, 'group', 'not-supported'],
    ['an unknown parameter', { name: '_count', valueInteger: 3 }, '_count', 'not-supported'],
  ])('rejects %s with a 400 naming the parameter', (_, parameter, expression, code) => {
    const withView = [{ name: 'viewResource', resource: view }, parameter];
    expect(rejection(() => parse(parameters(...withView)))).toEqual({ status: 400, code, expression });
  });

  it('rejects a parameter given twice that may be given once', () => {
    const twice = parameters({ name: '_limit', valueInteger: 1 }, { name: '_limit', valueInteger: 2 });
    expect(rejection(() => parse(twice, 'v1'))).toMatchObject({ status: 400, expression: '_limit' });
  });
});

describe('reading a Parameters body', () => {
  it('needs a Parameters resource whose parameters have a name and one value or resource', () => {
    expect(rejection(() => body({ resourceType: 'Patient' }))).toMatchObject({ status: 400 });
    expect(rejection(() => body({ resourceType: 'Parameters', parameter: {} }))).toMatchObject({
      expression: 'Parameters.parameter',
    });
    expect(rejection(() => parameters({ valueCode: 'csv' }))).toMatchObject({ expression: 'Parameters.parameter[0]' });
    const twoValues = parameters({ name: '_format', valueCode: 'csv', valueString: 'csv' });
    expect(rejection(() => parse(twoValues, 'v1'))).toMatchObject({ expression: '_format' });
    const valueAndResource = parameters({ name: 'viewResource', valueString: 'x', resource: view });
    expect(rejection(() => parse(valueAndResource))).toMatchObject({ expression: 'viewResource' });
    expect(parse(body({ resourceType: 'Parameters' }), 'v1')).toEqual({
      header: true,
      view: { id: 'v1' },
      patients: [],
    });
  });
});
