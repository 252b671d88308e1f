import { type FhirVersion, type OperationOutcome, outcome } from '@fhir-bulk/fhir';
import { r5Encounter } from '@fhir-bulk/test-support/src/r5-resources';
import {
  errorLine,
  IMPORT_INPUT_EXTENSION,
  IMPORT_LINE_EXTENSION,
  parseImportLine,
  tooLongProblem,
} from '../src/import-line';

const patient = { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1970-01-01' };

/** The problem of a line that must be refused. */
function problemOf(text: string, type = 'Patient', version: FhirVersion = '4.0.1'): OperationOutcome {
  const parsed = parseImportLine(text, type, version);
  if (!('problem' in parsed)) throw new Error(`expected a problem with ${text}`);
  return parsed.problem;
}

describe('parseImportLine', () => {
  it('answers the resource of a valid line', () => {
    expect(parseImportLine(JSON.stringify(patient), 'Patient', '4.0.1')).toEqual({ resource: patient });
  });

  it('refuses a line that is not JSON as a structure problem', () => {
    const problem = problemOf('{"resourceType": "Patient", "id": ');
    expect(problem.issue).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'structure',
        diagnostics: expect.stringContaining('Not JSON'),
      }),
    ]);
  });

  it('refuses JSON that is not an object', () => {
    expect(problemOf('[1, 2]').issue[0]).toMatchObject({ code: 'structure' });
  });

  it('refuses a resource of another type than the file', () => {
    expect(problemOf(JSON.stringify(patient), 'Observation').issue[0]).toMatchObject({
      code: 'invalid',
      expression: ['resourceType'],
    });
  });

  it('refuses a resource without an id, which a resumed import could create twice', () => {
    const { id: _id, ...withoutId } = patient;
    expect(problemOf(JSON.stringify(withoutId)).issue).toEqual([
      expect.objectContaining({ code: 'required', expression: ['Patient.id'] }),
    ]);
  });

  it.each([
    [
      'nests too deep',
      `{"resourceType":"Patient","id":"p1","extension":${'[{"extension":'.repeat(5000)}[]${'}]'.repeat(5000)}}`,
    ],
    ['holds an array in an array', '{"resourceType":"Patient","id":"p1","identifier":[[{"value":"x"}]]}'],
    ['holds a NUL character', '{"resourceType":"Patient","id":"p1","name":[{"family":"a\\u0000b"}]}'],
    ['holds a lone surrogate', '{"resourceType":"Patient","id":"p1","name":[{"family":"\\ud800"}]}'],
  ])('refuses a line that %s as one structure problem, without overflowing', (_what, line) => {
    expect(problemOf(line).issue).toEqual([expect.objectContaining({ severity: 'error', code: 'structure' })]);
  });

  it('refuses a resource the schema rejects, with one issue per problem', () => {
    const problem = problemOf(JSON.stringify({ ...patient, active: 'very', gender: 42 }));
    expect(problem.issue.map((i) => i.expression)).toEqual(
      expect.arrayContaining([['Patient.active'], ['Patient.gender']]),
    );
  });
});

describe('errorLine', () => {
  const at = { inputUrl: 's3://imports/patients.ndjson', line: 42 };

  it('is one NDJSON line of an OperationOutcome that says where, for people and machines', () => {
    const text = errorLine(problemOf(JSON.stringify({ ...patient, id: undefined, active: 'very' })), at);
    expect(text).not.toContain('\n');
    const located = JSON.parse(text) as OperationOutcome;
    expect(located.resourceType).toBe('OperationOutcome');
    expect(located.extension).toEqual([
      { url: IMPORT_LINE_EXTENSION, valueInteger: 42 },
      { url: IMPORT_INPUT_EXTENSION, valueUri: 's3://imports/patients.ndjson' },
    ]);
    expect(located.issue.length).toBeGreaterThan(1);
    for (const issue of located.issue) {
      expect(issue.diagnostics).toMatch(/^Line 42 of s3:\/\/imports\/patients\.ndjson: \S/);
    }
  });

  it('keeps each issue as it was apart from its diagnostics', () => {
    const problem = outcome('error', 'conflict', 'Patient/p1 already exists', 'Patient.id');
    expect(JSON.parse(errorLine(problem, at)).issue).toEqual([
      {
        severity: 'error',
        code: 'conflict',
        diagnostics: 'Line 42 of s3://imports/patients.ndjson: Patient/p1 already exists',
        expression: ['Patient.id'],
      },
    ]);
  });

  it('says the code of an issue without diagnostics', () => {
    const problem: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'value' }],
    };
    expect(JSON.parse(errorLine(problem, at)).issue[0].diagnostics).toBe(
      'Line 42 of s3://imports/patients.ndjson: value',
    );
  });
});

describe('tooLongProblem', () => {
  it('gives the line length and the limit', () => {
    expect(tooLongProblem(9_000_000, 8_388_608).issue).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'too-costly',
        diagnostics: expect.stringMatching(/9000000.*8388608/),
      }),
    ]);
  });

  it("validates against the tenant's version: an R5 Encounter is refused by R4 and taken by R5", () => {
    const line = JSON.stringify(r5Encounter);
    expect(parseImportLine(line, 'Encounter', '5.0.0')).toEqual({ resource: r5Encounter });
    const problem = problemOf(line, 'Encounter', '4.0.1');
    expect(problem.issue.map((i) => i.expression?.[0])).toEqual(expect.arrayContaining(['Encounter.actualPeriod']));
  });
});
