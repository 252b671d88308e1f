import { resourceTypesOf } from '@fhir-bulk/fhir';
import { type KickoffInput, NDJSON, PARQUET, parseKickoff, patientExportTypes } from '../src';
import { get, issueOf, lenient, post } from './kickoff-helpers';

describe('parseKickoff', () => {
  it('fills every field of a full GET request', () => {
    const query =
      '_type=Patient,Observation&_outputFormat=ndjson&_since=2024-01-01T00:00:00Z&_until=2024-02-01T00:00:00Z' +
      '&_typeFilter=Observation%3Fstatus%3Dfinal&_elements=Patient.name,id&includeAssociatedData=_deleted' +
      '&organizeOutputBy=Patient&allowPartialManifests=true';
    expect(get(query, { level: 'group', groupId: 'g-1', requestUrl: 'http://x/Group/g-1/$export' })).toEqual({
      level: 'group',
      groupId: 'g-1',
      types: ['Patient', 'Observation'],
      typesRequested: true,
      outputFormat: NDJSON,
      since: '2024-01-01T00:00:00.000Z',
      until: '2024-02-01T00:00:00.000Z',
      typeFilters: { Observation: ['status=final'] },
      elements: { Patient: ['name'], '*': ['id'] },
      includeDeleted: true,
      organizeOutputBy: 'Patient',
      allowPartialManifests: true,
      ignored: [],
      requestUrl: 'http://x/Group/g-1/$export',
    });
  });

  it('reads the same request from a POST Parameters body', () => {
    const request = post(
      [
        { name: '_type', valueString: 'Observation' },
        { name: '_type', valueString: 'Condition' },
        { name: '_since', valueInstant: '2024-01-01T00:00:00+01:00' },
        { name: '_typeFilter', valueString: 'Observation?code=http://loinc.org|1234-5' },
        { name: 'patient', valueReference: { reference: 'Patient/p1' } },
        { name: 'patient', valueReference: { reference: 'https://ehr.example/fhir/Patient/p2' } },
        { name: 'allowPartialManifests', valueBoolean: false },
      ],
      { level: 'patient' },
    );
    expect(request).toMatchObject({
      level: 'patient',
      types: ['Observation', 'Condition'],
      since: '2023-12-31T23:00:00.000Z',
      typeFilters: { Observation: ['code=http://loinc.org|1234-5'] },
      patients: ['p1', 'p2'],
      allowPartialManifests: false,
    });
  });

  it('leaves optional fields out when their parameters are absent', () => {
    expect(get('_type=Patient')).toEqual({
      level: 'system',
      types: ['Patient'],
      typesRequested: true,
      outputFormat: NDJSON,
      typeFilters: {},
      includeDeleted: false,
      allowPartialManifests: false,
      ignored: [],
      requestUrl: 'http://x/$export',
    });
  });

  describe('default types', () => {
    const notAudit = (type: string) => type !== 'AuditEvent';

    it('exports every R4 type at system level but the audit trail, which only _type asks for', () => {
      expect(get('').types).toEqual(resourceTypesOf('4.0.1').filter(notAudit));
      expect(get('_type=AuditEvent').types).toEqual(['AuditEvent']);
    });

    it('exports the Patient and its compartment at Patient and Group level (AuditEvent only by _type)', () => {
      for (const level of ['patient', 'group'] as const) {
        const { types } = get('', { level, groupId: 'g' });
        expect(types).toEqual(patientExportTypes('4.0.1').filter(notAudit));
        expect(get('_type=AuditEvent', { level, groupId: 'g' }).types).toEqual(['AuditEvent']);
      }
      for (const version of ['4.0.1', '5.0.0'] as const) {
        const compartment = patientExportTypes(version);
        expect(compartment[0]).toBe('Patient');
        expect(compartment).toEqual(expect.arrayContaining(['Observation', 'Encounter', 'Condition']));
        expect(compartment).not.toContain('Practitioner');
        expect(compartment).not.toContain('Organization');
      }
      expect(patientExportTypes('5.0.0')).toContain('DeviceUsage');
      expect(patientExportTypes('4.0.1')).toContain('DeviceUseStatement');
    });

    it('hands out a copy, so a caller cannot change the defaults', () => {
      get('').types.pop();
      expect(get('').types).toHaveLength(resourceTypesOf('4.0.1').length - 1);
    });
  });

  describe('_type', () => {
    it('reads repeated and comma-separated values, dropping blanks and duplicates', () => {
      expect(get('_type=Patient&_type=Patient,%20Condition,&_type=').types).toEqual(['Patient', 'Condition']);
    });

    it('names unknown resource types', () => {
      expect(issueOf(() => get('_type=Patient,Foo'))).toMatchObject({
        status: 400,
        code: 'invalid',
        diagnostics: '_type names types that are not FHIR 4.0.1 resource types: Foo',
        expression: ['_type'],
      });
    });

    it('refuses types outside the Patient compartment at Patient level', () => {
      expect(issueOf(() => get('_type=Observation,Practitioner', { level: 'patient' }))).toMatchObject({
        code: 'not-supported',
        expression: ['_type'],
        diagnostics: expect.stringContaining('Practitioner'),
      });
      expect(get('_type=Practitioner').types).toEqual(['Practitioner']); // fine at system level
    });

    it('skips unknown and out-of-compartment types under lenient handling, and says so', () => {
      const request = get('_type=Observation,Foo,Practitioner', { level: 'group', groupId: 'g', ...lenient });
      expect(request.types).toEqual(['Observation']);
      expect(request.ignored).toEqual([
        { parameter: '_type', reason: '_type names types that are not FHIR 4.0.1 resource types: Foo' },
        { parameter: '_type', reason: expect.stringContaining('Practitioner') },
      ]);
    });

    it('is a 400 even when lenient if no type is left', () => {
      expect(issueOf(() => get('_type=Foo', lenient))).toMatchObject({ status: 400, expression: ['_type'] });
    });
  });

  describe('on an R5 tenant', () => {
    const r5 = { fhirVersion: '5.0.0' } as const;

    it('exports every R5 type by default, and the R5 compartment at Patient level', () => {
      expect(get('', r5).types).toEqual(resourceTypesOf('5.0.0').filter((type) => type !== 'AuditEvent'));
      expect(get('', { ...r5, level: 'patient' }).types).toContain('DeviceUsage');
    });

    it("refuses R4's types by name (INVALID_TYPE), and R5's on an R4 tenant", () => {
      expect(issueOf(() => get('_type=Patient,DeviceUseStatement,Media', r5))).toMatchObject({
        status: 400,
        code: 'invalid',
        diagnostics: '_type names types that are not FHIR 5.0.0 resource types: DeviceUseStatement, Media',
      });
      expect(get('_type=DeviceUsage', r5).types).toEqual(['DeviceUsage']);
      expect(issueOf(() => get('_type=DeviceUsage'))).toMatchObject({
        status: 400,
        diagnostics: '_type names types that are not FHIR 4.0.1 resource types: DeviceUsage',
      });
    });

    it("takes R5's search parameters in _typeFilter and R5's types in _elements", () => {
      // DeviceUsage?patient exists only in R5.
      expect(get('_type=DeviceUsage&_typeFilter=DeviceUsage%3Fpatient%3DPatient%2F1', r5).typeFilters).toEqual({
        DeviceUsage: ['patient=Patient/1'],
      });
      expect(get('_type=DeviceUsage&_elements=DeviceUsage.status', r5).elements).toEqual({ DeviceUsage: ['status'] });
      expect(issueOf(() => get('_type=Patient&_elements=DeviceUseStatement.status', r5))).toMatchObject({
        status: 400,
        diagnostics: '_elements DeviceUseStatement.status: DeviceUseStatement is not a FHIR 5.0.0 resource type',
      });
    });
  });

  describe('_outputFormat', () => {
    it.each(['application/fhir+ndjson', 'application/ndjson', 'ndjson'])('takes %s as NDJSON', (format) => {
      expect(get(`_outputFormat=${encodeURIComponent(format)}`).outputFormat).toBe(NDJSON);
    });

    it('takes an unencoded + (a space once decoded) as NDJSON too', () => {
      expect(get('_outputFormat=application/fhir+ndjson').outputFormat).toBe(NDJSON);
    });

    it.each(['application/vnd.apache.parquet', 'parquet'])('takes %s with the views to write', (format) => {
      const request = get(`_outputFormat=${format}&_viewDefinition=a,ViewDefinition/b&_viewDefinition=c`);
      expect(request).toMatchObject({
        outputFormat: PARQUET,
        // The views' types, which the API fills in once it has read them.
        types: [],
        viewRequests: [
          { id: 'a', at: '_viewDefinition' },
          { id: 'b', at: '_viewDefinition' },
          { id: 'c', at: '_viewDefinition' },
        ],
      });
    });

    it('keeps an explicit _type beside the views, for the API to check against them', () => {
      expect(get('_outputFormat=parquet&_viewDefinition=a&_type=Patient').types).toEqual(['Patient']);
    });

    it.each([
      ['Parquet without a view', '_outputFormat=parquet', '_viewDefinition'],
      ['a view with NDJSON', '_viewDefinition=a', '_viewDefinition'],
      ['a view that is not an id', '_outputFormat=parquet&_viewDefinition=http://x/vd', '_viewDefinition'],
      ['_elements of a view', '_outputFormat=parquet&_viewDefinition=a&_elements=id', '_elements'],
      ['rows by patient', '_outputFormat=parquet&_viewDefinition=a&organizeOutputBy=Patient', 'organizeOutputBy'],
    ])('refuses %s', (_what, query, parameter) => {
      expect(issueOf(() => get(query))).toMatchObject({ severity: 'error', expression: [parameter] });
    });

    it('refuses other formats even under lenient handling', () => {
      expect(issueOf(() => get('_outputFormat=text/csv', lenient))).toMatchObject({
        code: 'not-supported',
        expression: ['_outputFormat'],
      });
    });

    it('may be given only once', () => {
      expect(issueOf(() => get('_outputFormat=ndjson&_outputFormat=ndjson'))).toMatchObject({
        expression: ['_outputFormat'],
      });
    });
  });

  describe('_since and _until', () => {
    it('accepts dates and dateTimes, as the start of their period in UTC', () => {
      expect(get('_since=2024-03-01&_until=2024-03-02T10:00:00-05:00')).toMatchObject({
        since: '2024-03-01T00:00:00.000Z',
        until: '2024-03-02T15:00:00.000Z',
      });
    });

    it('repairs a timezone whose + was not encoded', () => {
      expect(get('_since=2024-03-01T10:00:00+02:00').since).toBe('2024-03-01T08:00:00.000Z');
    });

    it('accepts an _until in the future', () => {
      expect(get('_until=2999-01-01T00:00:00Z').until).toBe('2999-01-01T00:00:00.000Z');
    });

    it.each([
      ['_since=yesterday', '_since'],
      ['_since=2024-02-30', '_since'],
      ['_until=2024-01-01T25:00:00Z', '_until'],
      ['_since=2024-02-01&_until=2024-01-01', '_since'],
      ['_since=2024-01-01&_since=2024-01-02', '_since'],
    ])('rejects %s even when lenient', (query, parameter) => {
      expect(issueOf(() => get(query, lenient))).toMatchObject({ status: 400, expression: [parameter] });
    });
  });

  describe('includeAssociatedData', () => {
    it('turns on deleted resources with _deleted', () => {
      expect(get('includeAssociatedData=_deleted').includeDeleted).toBe(true);
    });

    it('turns them on whenever _since is given, as the IG asks of the manifest', () => {
      expect(get('_since=2024-01-01T00:00:00Z').includeDeleted).toBe(true);
    });

    it.each(['LatestProvenanceResources', 'RelevantProvenanceResources', '_other'])('does not support %s', (value) => {
      expect(issueOf(() => get(`includeAssociatedData=_deleted,${value}`))).toMatchObject({
        code: 'not-supported',
        expression: ['includeAssociatedData'],
      });
      const request = get(`includeAssociatedData=${value},_deleted`, lenient);
      expect(request).toMatchObject({ includeDeleted: true, ignored: [{ parameter: 'includeAssociatedData' }] });
    });
  });

  describe('organizeOutputBy and allowPartialManifests', () => {
    it('supports organizing by Patient only', () => {
      expect(issueOf(() => get('organizeOutputBy=Encounter'))).toMatchObject({
        code: 'not-supported',
        expression: ['organizeOutputBy'],
      });
      const request = get('organizeOutputBy=Encounter', lenient);
      expect(request.organizeOutputBy).toBeUndefined();
      expect(request.ignored).toEqual([{ parameter: 'organizeOutputBy', reason: expect.any(String) }]);
    });

    it('wants a boolean for allowPartialManifests', () => {
      expect(get('allowPartialManifests=false').allowPartialManifests).toBe(false);
      expect(issueOf(() => get('allowPartialManifests=yes', lenient))).toMatchObject({
        expression: ['allowPartialManifests'],
      });
    });
  });

  describe('Prefer and unknown parameters', () => {
    it('finds respond-async among other preferences', () => {
      expect(() => get('', { prefer: 'handling=strict, respond-async' })).not.toThrow();
    });

    it('rejects a kick-off without Prefer: respond-async', () => {
      expect(issueOf(() => get('', { prefer: undefined }))).toMatchObject({ status: 400, expression: ['Prefer'] });
    });

    it('runs a lenient kick-off without respond-async', () => {
      expect(() => get('', { prefer: 'handling=lenient' })).not.toThrow();
    });

    it('rejects a parameter it does not implement, naming it', () => {
      expect(issueOf(() => get('_count=10'))).toMatchObject({ code: 'not-supported', expression: ['_count'] });
    });

    it('skips unknown parameters under lenient handling and lists them', () => {
      expect(get('_type=Patient&_count=10&foo=bar', lenient).ignored).toEqual([
        { parameter: '_count', reason: 'Parameter _count is not supported by this server' },
        { parameter: 'foo', reason: 'Parameter foo is not supported by this server' },
      ]);
    });

    it('ignores parameters with empty values, as FHIR search does', () => {
      expect(get('_type=Patient&_since=&foo=').since).toBeUndefined();
    });
  });

  it('rejects a Group or Patient id that is not a FHIR id', () => {
    const input: KickoffInput = {
      level: 'group',
      fhirVersion: '4.0.1',
      parameters: [],
      prefer: 'respond-async',
      requestUrl: 'x',
    };
    expect(issueOf(() => parseKickoff({ ...input, groupId: 'a b' }))).toMatchObject({ status: 400 });
    expect(issueOf(() => parseKickoff({ ...input, level: 'patient', patientId: 'x'.repeat(65) }))).toMatchObject({
      status: 400,
    });
  });
});
