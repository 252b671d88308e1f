import { CSV, NDJSON, PARQUET } from '@fhir-bulk/export';
import { issueOf } from '@fhir-bulk/test-support/src/rejection';
import { parseViewExportKickoff, type ViewExportKickoffInput } from '../src';

const parse = (parameter: unknown[], input: Partial<ViewExportKickoffInput> = {}) =>
  parseViewExportKickoff({
    body: { resourceType: 'Parameters', parameter },
    prefer: 'respond-async',
    baseUrl: 'http://x',
    requestUrl: 'http://x/ViewDefinition/$viewdefinition-export',
    ...input,
  });
const stored = (id: string, name?: string) => ({
  name: 'view',
  part: [
    ...(name ? [{ name: 'name', valueString: name }] : []),
    { name: 'viewReference', valueReference: { reference: `ViewDefinition/${id}` } },
  ],
});
const inline = {
  resourceType: 'ViewDefinition',
  resource: 'Patient',
  select: [{ column: [{ name: 'id', path: 'id' }] }],
};

describe('parseViewExportKickoff', () => {
  it('reads views, format, patients and _since into a Patient-level export request', () => {
    expect(
      parse([
        stored('a', 'first'),
        { name: 'view', part: [{ name: 'viewResource', resource: inline }] },
        { name: '_format', valueCode: 'parquet' },
        { name: 'patient', valueReference: { reference: 'Patient/p1' } },
        { name: 'patient', valueReference: { reference: 'Patient/p1' } },
        { name: '_since', valueInstant: '2024-01-01T00:00:00Z' },
      ]),
    ).toEqual({
      level: 'patient',
      patients: ['p1'],
      types: [],
      typesRequested: true,
      outputFormat: PARQUET,
      viewRequests: [
        { id: 'a', name: 'first', at: 'parameter[0].part[1]' },
        { resource: inline, at: 'parameter[1].part[0].resource' },
      ],
      since: '2024-01-01T00:00:00.000Z',
      typeFilters: {},
      includeDeleted: false,
      allowPartialManifests: false,
      ignored: [],
      requestUrl: 'http://x/ViewDefinition/$viewdefinition-export',
    });
  });

  it.each([
    ['ndjson', NDJSON],
    ['csv', CSV],
    ['text/csv', CSV],
    ['application/vnd.apache.parquet', PARQUET],
  ])('takes _format %s', (code, format) => {
    expect(parse([stored('a'), { name: '_format', valueCode: code }]).outputFormat).toBe(format);
  });

  it('defaults to NDJSON rows and a system-level export; a group makes it Group-level', () => {
    expect(parse([stored('a')])).toMatchObject({ level: 'system', outputFormat: NDJSON });
    const request = parse([stored('a'), { name: 'group', valueReference: { reference: 'Group/g1' } }]);
    expect(request).toMatchObject({ level: 'group', groupId: 'g1' });
  });

  it('takes a viewReference relative or under its [base], as $viewdefinition-run does', () => {
    const view = (reference: string) => ({
      name: 'view',
      part: [{ name: 'viewReference', valueReference: { reference } }],
    });
    expect(parse([view('http://x/ViewDefinition/v1')]).viewRequests).toEqual([
      { id: 'v1', at: 'parameter[0].part[0]' },
    ]);
    expect(issueOf(() => parse([view('http://y/ViewDefinition/v1')]))).toMatchObject({ status: 400, code: 'invalid' });
  });

  it('takes the view of the URL at instance level', () => {
    expect(parse([], { viewId: 'v1' }).viewRequests).toEqual([{ id: 'v1', at: 'ViewDefinition' }]);
  });

  it.each([
    ['no Prefer: respond-async', [stored('a')], { prefer: undefined }, 400, 'Prefer'],
    ['no view', [], {}, 400, 'view'],
    ['a view at instance level', [stored('a')], { viewId: 'v1' }, 400, 'view'],
    [
      'both sources in one view',
      [{ name: 'view', part: [...stored('a').part, { name: 'viewResource', resource: inline }] }],
      {},
      400,
      'parameter[0]',
    ],
    [
      'a canonical reference',
      [{ name: 'view', part: [{ name: 'viewReference', valueReference: { reference: 'http://x.org/vd|1' } }] }],
      {},
      400,
      'parameter[0].part[0]',
    ],
    ['the json format', [stored('a'), { name: '_format', valueCode: 'json' }], {}, 400, '_format'],
    [
      'two groups',
      [stored('a'), ...['g1', 'g2'].map((g) => ({ name: 'group', valueReference: { reference: `Group/${g}` } }))],
      {},
      400,
      'group',
    ],
    ['a bad _since', [stored('a'), { name: '_since', valueInstant: 'yesterday' }], {}, 400, '_since'],
    ['source', [stored('a'), { name: 'source', valueString: 's3://x' }], {}, 400, 'source'],
    ['an unknown parameter', [stored('a'), { name: '_count', valueInteger: 1 }], {}, 400, '_count'],
  ])('refuses %s, naming where', (_what, parameters, input, status, expression) => {
    expect(issueOf(() => parse(parameters, input))).toMatchObject({
      status,
      severity: 'error',
      expression: [expression],
    });
  });
});
