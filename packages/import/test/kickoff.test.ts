import { type FhirVersion, OperationOutcomeError } from '@fhir-bulk/fhir';
import { parseImportKickoff } from '../src/kickoff';

const patients = { type: 'Patient', url: 's3://imports/patients.ndjson' };

const input = ({ type, url, etag }: { type: string; url: string; etag?: string }) => ({
  name: 'input',
  part: [
    { name: 'type', valueString: type },
    { name: 'url', valueUri: url },
    ...(etag ? [{ name: 'etag', valueString: etag }] : []),
  ],
});

const body = (parameter: object[]) => ({ resourceType: 'Parameters', parameter });

const minimal = () => [{ name: 'inputFormat', valueString: 'application/fhir+ndjson' }, input(patients)];

const parse = (parameter: object[], prefer = 'respond-async', fhirVersion: FhirVersion = '4.0.1') =>
  parseImportKickoff(body(parameter), prefer, fhirVersion);

/** The single issue of the 400 `run` throws, for `toMatchObject`. */
function issueOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    expect(error.outcome.issue).toHaveLength(1);
    return { status: error.status, ...error.outcome.issue[0] };
  }
  throw new Error('expected an OperationOutcomeError');
}

describe('parseImportKickoff', () => {
  it('reads a full request', () => {
    const request = parse([
      { name: 'inputFormat', valueCode: 'application/fhir+ndjson' },
      { name: 'inputSource', valueUri: 'https://ehr.example/fhir' },
      { name: 'storageDetail', valueString: 'https' },
      { name: 'mode', valueCode: 'InitialLoad' },
      input(patients),
      input({ type: 'Observation', url: 'https://files.example/obs.ndjson', etag: '"abc"' }),
    ]);
    expect(request).toEqual({
      inputFormat: 'application/fhir+ndjson',
      inputSource: 'https://ehr.example/fhir',
      storageDetail: 'https',
      mode: 'InitialLoad',
      inputs: [
        { type: 'Patient', url: 's3://imports/patients.ndjson' },
        { type: 'Observation', url: 'https://files.example/obs.ndjson', etag: '"abc"' },
      ],
    });
  });

  it('defaults mode to IncrementalLoad and leaves absent options out', () => {
    expect(parse(minimal())).toEqual({
      inputFormat: 'application/fhir+ndjson',
      mode: 'IncrementalLoad',
      inputs: [patients],
    });
  });

  it.each(['application/ndjson', 'ndjson'])('takes inputFormat %s as application/fhir+ndjson', (format) => {
    const [, ...rest] = minimal();
    expect(parse([{ name: 'inputFormat', valueString: format }, ...rest]).inputFormat).toBe('application/fhir+ndjson');
  });

  describe("the tenant's FHIR version", () => {
    const format = (valueString: string) => ({ name: 'inputFormat', valueString });

    it('takes a fhirVersion parameter naming the tenant’s version, and refuses another (400)', () => {
      const r5 = format('application/fhir+ndjson; fhirVersion=5.0');
      expect(parse([r5, input(patients)], 'respond-async', '5.0.0').inputFormat).toBe('application/fhir+ndjson');
      expect(issueOf(() => parse([r5, input(patients)]))).toMatchObject({
        status: 400,
        code: 'invalid',
        diagnostics:
          'inputFormat application/fhir+ndjson; fhirVersion=5.0 names FHIR 5.0.0, but this tenant speaks FHIR 4.0.1',
      });
      expect(issueOf(() => parse([format('ndjson;fhirVersion=3.0'), input(patients)]))).toMatchObject({
        status: 400,
        diagnostics: expect.stringContaining('names FHIR 3.0'),
      });
    });

    it('takes only the version’s types: DeviceUseStatement is R4, DeviceUsage R5', () => {
      const device = (type: string) => input({ type, url: 's3://imports/devices.ndjson' });
      expect(parse([format('ndjson'), device('DeviceUsage')], 'respond-async', '5.0.0').inputs).toHaveLength(1);
      expect(
        issueOf(() => parse([format('ndjson'), device('DeviceUseStatement')], 'respond-async', '5.0.0')),
      ).toMatchObject({
        status: 400,
        diagnostics: 'input[0].type DeviceUseStatement is not a FHIR 5.0.0 resource type',
      });
    });
  });

  it('reads storageDetail given as parts, as the Microsoft server takes it', () => {
    const storageDetail = { name: 'storageDetail', part: [{ name: 'type', valueString: 'aws-s3' }] };
    expect(parse([...minimal(), storageDetail]).storageDetail).toBe('aws-s3');
  });

  it('accepts an input url as valueUrl or valueString', () => {
    const inputs = ['valueUrl', 'valueString'].map((key) => ({
      name: 'input',
      part: [
        { name: 'type', valueCode: 'Patient' },
        { name: 'url', [key]: `https://files.example/${key}` },
      ],
    }));
    expect(parse([minimal()[0]!, ...inputs]).inputs.map((i) => i.url)).toEqual([
      'https://files.example/valueUrl',
      'https://files.example/valueString',
    ]);
  });

  it('accepts 1000 inputs and refuses 1001', () => {
    const inputs = (n: number) => Array.from({ length: n }, () => input(patients));
    expect(parse([minimal()[0]!, ...inputs(1000)]).inputs).toHaveLength(1000);
    expect(issueOf(() => parse([minimal()[0]!, ...inputs(1001)]))).toMatchObject({
      status: 400,
      code: 'too-costly',
      expression: ['input'],
    });
  });

  it.each([undefined, '', 'return=minimal', 'respond-async-ish'])(
    'refuses Prefer %p without respond-async',
    (prefer) => {
      expect(issueOf(() => parseImportKickoff(body(minimal()), prefer, '4.0.1'))).toMatchObject({
        status: 400,
        code: 'invalid',
        diagnostics: expect.stringContaining('respond-async'),
        expression: ['Prefer'],
      });
    },
  );

  it('accepts respond-async among other preferences', () => {
    expect(parse(minimal(), 'handling=strict, respond-async').inputs).toEqual([patients]);
  });

  it.each([
    ['no body', undefined],
    ['an array', [body(minimal())]],
    ['another resource', { resourceType: 'Bundle', parameter: minimal() }],
  ])('refuses %s for a body', (_name, value) => {
    expect(issueOf(() => parseImportKickoff(value, 'respond-async', '4.0.1'))).toMatchObject({
      status: 400,
      diagnostics: expect.stringContaining('Parameters'),
    });
  });

  it.each<[string, () => object[], string, string]>([
    ['no inputFormat', () => minimal().slice(1), 'inputFormat', 'required'],
    [
      'another inputFormat',
      () => [{ name: 'inputFormat', valueString: 'text/csv' }, input(patients)],
      'inputFormat',
      'not-supported',
    ],
    ['inputFormat twice', () => [...minimal(), minimal()[0]!], 'inputFormat', 'invalid'],
    [
      'inputFormat as a number',
      () => [{ name: 'inputFormat', valueInteger: 1 }, input(patients)],
      'inputFormat',
      'invalid',
    ],
    [
      'a blank inputFormat',
      () => [{ name: 'inputFormat', valueString: ' ' }, input(patients)],
      'inputFormat',
      'invalid',
    ],
    ['an unknown mode', () => [...minimal(), { name: 'mode', valueString: 'Replace' }], 'mode', 'not-supported'],
    ['no input', () => minimal().slice(0, 1), 'input', 'required'],
    [
      'an unknown parameter',
      () => [...minimal(), { name: '_since', valueInstant: '2024-01-01T00:00:00Z' }],
      '_since',
      'not-supported',
    ],
    ['a parameter without a name', () => [...minimal(), { valueString: 'x' }], 'Parameters.parameter[2]', 'invalid'],
    [
      'storageDetail without type',
      () => [...minimal(), { name: 'storageDetail', part: [] }],
      'storageDetail.type',
      'required',
    ],
    [
      'storageDetail with another part',
      () => [
        ...minimal(),
        {
          name: 'storageDetail',
          part: [
            { name: 'type', valueString: 'https' },
            { name: 'sas', valueString: 'x' },
          ],
        },
      ],
      'storageDetail.sas',
      'not-supported',
    ],
  ])('answers 400 naming the parameter for %s', (_name, parameters, expression, code) => {
    const issue = issueOf(() => parse(parameters()));
    expect(issue).toMatchObject({ status: 400, severity: 'error', code, expression: [expression] });
    expect(issue.diagnostics).toContain(expression);
  });

  const second = (part: object[]) => [...minimal(), { name: 'input', part }];
  const type = { name: 'type', valueString: 'Observation' };
  const url = { name: 'url', valueUri: 'https://files.example/o.ndjson' };

  it.each<[string, object[] | object, string, string]>([
    ['no url', [type], 'input[1].url', 'required'],
    ['no type', [url], 'input[1].type', 'required'],
    ['an unknown type', [{ name: 'type', valueString: 'Patientt' }, url], 'input[1].type', 'invalid'],
    ['a url twice', [type, url, url], 'input[1].url', 'invalid'],
    [
      'a url as a Reference',
      [type, { name: 'url', valueReference: { reference: 'Binary/1' } }],
      'input[1].url',
      'invalid',
    ],
    ['an etag as a number', [type, url, { name: 'etag', valueInteger: 3 }], 'input[1].etag', 'invalid'],
    ['an unknown part', [type, url, { name: 'format', valueString: 'ndjson' }], 'input[1].format', 'not-supported'],
    ['a value instead of parts', { name: 'input', valueUri: 'https://files.example/o.ndjson' }, 'input[1]', 'invalid'],
    ['parts that are not an array', { name: 'input', part: type }, 'input[1].part', 'invalid'],
  ])('answers 400 naming the input part for %s', (_name, part, expression, code) => {
    const parameters = Array.isArray(part) ? second(part) : [...minimal(), part];
    const issue = issueOf(() => parse(parameters));
    expect(issue).toMatchObject({ status: 400, code, expression: [expression] });
    expect(issue.diagnostics).toContain(expression);
  });

  it('leaves checking the input URLs to the source policy', () => {
    const file = { type: 'Patient', url: 'file:///etc/passwd' };
    expect(parse([minimal()[0]!, input(file)]).inputs).toEqual([file]);
  });
});
