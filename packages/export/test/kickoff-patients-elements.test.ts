import { get, issueOf, lenient, post } from './kickoff-helpers';

const patient = (reference: string) => ({ name: 'patient', valueReference: { reference } });

describe('patient', () => {
  it('limits a Patient or Group export to the referenced patients, without duplicates', () => {
    const parameters = [patient('Patient/a'), patient('Patient/b'), patient('Patient/a')];
    expect(post(parameters, { level: 'patient' }).patients).toEqual(['a', 'b']);
    expect(post(parameters, { level: 'group', groupId: 'g' })).toMatchObject({ groupId: 'g', patients: ['a', 'b'] });
  });

  it('limits Patient/{id}/$export to that patient', () => {
    expect(get('', { level: 'patient', patientId: 'p1' }).patients).toEqual(['p1']);
    expect(post([patient('Patient/p1')], { level: 'patient', patientId: 'p1' }).patients).toEqual(['p1']);
    expect(issueOf(() => post([patient('Patient/p2')], { level: 'patient', patientId: 'p1' }))).toMatchObject({
      status: 400,
      expression: ['patient'],
    });
  });

  it.each(['Practitioner/1', 'Patient/', 'Patient/a b', 'Patient/1/_history/2', '1', 'ftp://x/Patient/1'])(
    'rejects the reference %s',
    (reference) => {
      expect(issueOf(() => post([patient(reference)], { level: 'patient', ...lenient }))).toMatchObject({
        code: 'invalid',
        expression: ['patient'],
      });
    },
  );

  it('is not supported in a GET query string, nor at system level', () => {
    expect(issueOf(() => get('patient=Patient/1', { level: 'patient' }))).toMatchObject({
      code: 'not-supported',
      expression: ['patient'],
    });
    expect(issueOf(() => post([patient('Patient/1')]))).toMatchObject({
      code: 'not-supported',
      expression: ['patient'],
    });
  });

  it('is skipped there under lenient handling', () => {
    const fromQuery = get('patient=Patient/1', { level: 'patient', ...lenient });
    expect(fromQuery.patients).toBeUndefined();
    expect(fromQuery.ignored).toEqual([{ parameter: 'patient', reason: expect.stringContaining('POST') }]);
    const atSystemLevel = post([patient('Patient/1')], lenient);
    expect(atSystemLevel.patients).toBeUndefined();
    expect(atSystemLevel.ignored).toEqual([{ parameter: 'patient', reason: expect.stringContaining('system-level') }]);
  });
});

describe('_elements', () => {
  it('groups element names by type, * for untyped ones', () => {
    expect(get('_elements=Patient.name,id,Patient.birthDate&_elements=Observation.code,id').elements).toEqual({
      Patient: ['name', 'birthDate'],
      '*': ['id'],
      Observation: ['code'],
    });
  });

  it.each(['Patient.name.given', 'Patient.', '.name', 'Name', 'name-x', 'patient.name'])(
    'refuses %s, even when lenient',
    (element) => {
      expect(issueOf(() => get(`_elements=${element}`, lenient))).toMatchObject({
        status: 400,
        expression: ['_elements'],
      });
    },
  );

  it('refuses an unknown type, or skips it under lenient handling', () => {
    expect(issueOf(() => get('_elements=Foo.name'))).toMatchObject({ expression: ['_elements'] });
    expect(get('_elements=Foo.name,id', lenient)).toMatchObject({
      elements: { '*': ['id'] },
      ignored: [{ parameter: '_elements', reason: expect.stringContaining('Foo') }],
    });
    expect(get('_elements=Foo.name', lenient).elements).toBeUndefined();
  });
});
