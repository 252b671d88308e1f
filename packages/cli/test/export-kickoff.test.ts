import { exportKickoff, UsageError } from '../src/export-kickoff';

const BASE = 'http://api.test/tenant/t1';

describe('the export kick-off a command line asks for', () => {
  it('is a GET of [base]/$export with Prefer: respond-async when no level is chosen', () => {
    expect(exportKickoff(BASE, {})).toEqual({
      method: 'GET',
      url: `${BASE}/$export`,
      headers: { Accept: 'application/fhir+json', Prefer: 'respond-async' },
    });
  });

  it.each([
    [{ patientLevel: true }, `${BASE}/Patient/$export`],
    [{ group: 'g 1' }, `${BASE}/Group/g%201/$export`],
    [{ patient: 'p1' }, `${BASE}/Patient/p1/$export`],
  ])('chooses the level endpoint of %j', (options, url) => {
    expect(exportKickoff(`${BASE}/`, options).url).toBe(url);
  });

  it('refuses two levels at once', () => {
    expect(() => exportKickoff(BASE, { group: 'g', patientLevel: true })).toThrow(UsageError);
  });

  it('maps every parameter to its query-string name, lists comma-joined and _typeFilter repeated', () => {
    const { url } = exportKickoff(BASE, {
      type: ['Patient', 'Observation'],
      since: '2024-01-01T00:00:00Z',
      until: '2025-01-01T00:00:00Z',
      typeFilter: ['Observation?status=final', 'Observation?code=x'],
      elements: ['id', 'gender'],
      outputFormat: 'application/fhir+ndjson',
      organizeOutputBy: 'Patient',
      includeAssociatedData: ['_deleted'],
      allowPartialManifests: true,
    });
    const query = new URL(url).searchParams;
    expect([...query]).toEqual([
      ['_outputFormat', 'application/fhir+ndjson'],
      ['_type', 'Patient,Observation'],
      ['_since', '2024-01-01T00:00:00Z'],
      ['_until', '2025-01-01T00:00:00Z'],
      ['_typeFilter', 'Observation?status=final'],
      ['_typeFilter', 'Observation?code=x'],
      ['_elements', 'id,gender'],
      ['includeAssociatedData', '_deleted'],
      ['organizeOutputBy', 'Patient'],
      ['allowPartialManifests', 'true'],
    ]);
  });

  it('asks for Parquet rows of the views with --parquet --view', () => {
    const { url } = exportKickoff(BASE, { parquet: true, view: ['patient-demographics', 'obs'] });
    expect(Object.fromEntries(new URL(url).searchParams)).toEqual({
      _outputFormat: 'application/vnd.apache.parquet',
      _viewDefinition: 'patient-demographics,obs',
    });
  });

  it.each([
    [{ parquet: true }, /needs --view/],
    [{ view: ['v'] }, /add --parquet/],
    [{ parquet: true, view: ['v'], outputFormat: 'ndjson' }, /disagree/],
  ])('refuses %j before sending anything', (options, message) => {
    expect(() => exportKickoff(BASE, options)).toThrow(message);
  });

  it('says handling=lenient in Prefer when asked to', () => {
    expect(exportKickoff(BASE, { lenient: true }).headers.Prefer).toBe('respond-async, handling=lenient');
  });

  it('POSTs a Parameters body, patient as references, when patients are named (the IG allows them only there)', () => {
    const request = exportKickoff(BASE, { patientLevel: true, type: ['Patient'], patients: ['p1', 'Patient/p2'] });
    expect(request).toMatchObject({ method: 'POST', url: `${BASE}/Patient/$export` });
    expect(request.headers['Content-Type']).toBe('application/fhir+json');
    expect(JSON.parse(request.body!)).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: '_type', valueString: 'Patient' },
        { name: 'patient', valueReference: { reference: 'Patient/p1' } },
        { name: 'patient', valueReference: { reference: 'Patient/p2' } },
      ],
    });
  });
});
