import { type BulkStack, pollUntilDone, startBulkStack } from '@fhir-bulk/test-support';
import { LEVELS, seedClinic } from './levels';
import { ASYNC_HEADERS, expectOutcome, kickoff, kickoffAccepted } from './protocol';

/**
 * Bulk Data Access IG 3.0.0, Bulk Data Kick-off Request: headers, the success response and the error response, at
 * each kick-off level (https://hl7.org/fhir/uv/bulkdata/STU3/export.html#bulk-data-kick-off-request).
 */
let stack: BulkStack;
let base = '';
beforeAll(async () => {
  stack = await startBulkStack({ env: { EXPORT_MAX_CONCURRENT_PER_TENANT: '100' } });
  base = await seedClinic(stack, 'kickoff');
});
afterAll(() => stack.stop());

const patientParameter = (id: string) => ({ name: 'patient', valueReference: { reference: `Patient/${id}` } });

describe.each(LEVELS)('$name level', (level) => {
  const at = (query = '') => `${base}${level.path}${query}`;

  describe('headers and success response (#headers, #response---success)', () => {
    it('KO-01 SHALL support GET: answers 202 Accepted with an absolute Content-Location, the body empty or an OperationOutcome', async () => {
      const response = await kickoff(stack, at('?_type=Patient'));
      expect(response.status).toBe(202);
      expect(response.headers.get('content-location')).toMatch(new RegExp(`^${stack.baseUrl}${base}/_export/\\S+$`));
      const body = await response.text();
      if (body !== '') expect(JSON.parse(body)).toMatchObject({ resourceType: 'OperationOutcome' });
    });

    it('KO-02 MAY support POST of a Parameters resource: this server does, with the same response', async () => {
      await kickoffAccepted(stack, at(), { parameters: [{ name: '_type', valueString: 'Patient' }] });
    });

    it('KO-03 Accept omitted: MAY process the request as if application/fhir+json was supplied (this server does)', async () => {
      await kickoffAccepted(stack, at('?_type=Patient'), { headers: { Prefer: 'respond-async' } });
    });

    it('KO-04 Prefer: respond-async omitted: MAY return an error (this server does: 400 OperationOutcome)', async () => {
      const outcome = await expectOutcome(
        await kickoff(stack, at(), { headers: { Accept: 'application/fhir+json' } }),
        400,
      );
      expect(outcome.issue[0]?.expression).toEqual(['Prefer']);
    });

    it('KO-05 Accept other than application/fhir+json (the only one supported): a 4XX OperationOutcome', async () => {
      const headers = { ...ASYNC_HEADERS, Accept: 'application/fhir+xml' };
      await expectOutcome(await kickoff(stack, at(), { headers }), 406);
    });

    it('KO-06 Prefer: separate-export-status is not supported, so not applied: no Preference-Applied for it, no X-Export-Status', async () => {
      const headers = { ...ASYNC_HEADERS, Prefer: 'respond-async, separate-export-status' };
      const response = await kickoff(stack, at('?_type=Patient'), { headers });
      expect(response.status).toBe(202);
      expect(response.headers.get('preference-applied') ?? '').not.toContain('separate-export-status');
      // The status request answers with the job's state itself (200 once complete), as without the preference.
      const done = await pollUntilDone(response.headers.get('content-location')!, stack.fetch);
      expect(done.status).toBe(200);
      expect(done.headers.get('x-export-status')).toBeNull();
    });
  });

  describe('error response: 4XX with an OperationOutcome body (#response---error-eg-unsupported-search-parameter)', () => {
    const levelErrors: Array<[string, string, object[] | undefined, number]> =
      level.name === 'system'
        ? [['KO-20 patient at system level ("not applicable")', '', [patientParameter('p1')], 400]]
        : [['KO-21 only types outside the Patient compartment (_type SHOULD)', '?_type=Practitioner', undefined, 400]];
    it.each<[string, string, object[] | undefined, number]>([
      ['KO-10 an _outputFormat the server does not support', '?_outputFormat=application/fhir%2Bxml', undefined, 400],
      ['KO-11 a _type the server does not support (SHOULD)', '?_type=Patient,NotAType', undefined, 400],
      ['KO-12 a _since that is no FHIR instant', '?_since=yesterday', undefined, 400],
      [
        'KO-13 an _elements path below the root ("only root elements")',
        '?_elements=Patient.name.family',
        undefined,
        400,
      ],
      [
        'KO-14 a _typeFilter with a search result parameter (_sort "SHALL NOT be used")',
        `?_typeFilter=${encodeURIComponent('Observation?_sort=date')}`,
        undefined,
        400,
      ],
      [
        'KO-15 a _typeFilter search parameter the server does not support (SHOULD)',
        `?_typeFilter=${encodeURIComponent('Observation?foo=bar')}`,
        undefined,
        400,
      ],
      [
        'KO-16 an includeAssociatedData value the server does not support (SHOULD)',
        '?includeAssociatedData=LatestProvenanceResources',
        undefined,
        400,
      ],
      [
        'KO-17 an organizeOutputBy type the server cannot organize by (SHOULD)',
        '?organizeOutputBy=Encounter',
        undefined,
        400,
      ],
      ['KO-18 an allowPartialManifests that is no boolean', '?allowPartialManifests=maybe', undefined, 400],
      ['KO-19 patient in a GET query ("POST requests only")', '?patient=Patient/p1', undefined, 400],
      ...levelErrors,
    ])('%s', async (_check, query, parameters, status) => {
      const response = await kickoff(stack, at(query), parameters ? { parameters } : {});
      expect(response.headers.get('content-location')).toBeNull();
      await expectOutcome(response, status);
    });
  });
});

describe('Group/{id}/$export', () => {
  it('KO-22 a Group the server does not hold: 404 OperationOutcome', async () => {
    await expectOutcome(await kickoff(stack, `${base}/Group/no-such-group/$export`), 404);
  });
});
