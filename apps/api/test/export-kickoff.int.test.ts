import type { ExportJobInput } from '@fhir-bulk/export';
import { type OperationOutcome, resourceTypesOf } from '@fhir-bulk/fhir';
import { bulkLoad } from '@fhir-bulk/store';
import { type BulkStack, startBulkStack } from '@fhir-bulk/test-support';
import { defaultPayloadConverter } from '@temporalio/common';

// Kick-off only: these tests check what the API accepts, refuses and hands to the workflow, not the export itself,
// so no worker runs the jobs, and they are terminated at the end. The per-tenant cap would otherwise refuse them.
let stack: BulkStack;
const started: string[] = [];
beforeAll(async () => {
  stack = await startBulkStack({ inProcessWorker: false, env: { EXPORT_MAX_CONCURRENT_PER_TENANT: '1000' } });
});
afterAll(async () => {
  await Promise.allSettled(started.map((id) => stack.client.workflow.getHandle(id).terminate('kick-off test done')));
  await stack.stop();
});

const ASYNC = { Prefer: 'respond-async', Accept: 'application/fhir+json' };
const FHIR_JSON = { ...ASYNC, 'Content-Type': 'application/fhir+json' };

const kickoffGet = (path: string, headers: Record<string, string> = ASYNC) =>
  stack.fetch(`${stack.baseUrl}${path}`, { headers });

const kickoffPost = (path: string, parameter: object[], headers: Record<string, string> = FHIR_JSON) =>
  stack.fetch(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ resourceType: 'Parameters', parameter }),
  });

/** The ExportJobInput the kick-off started its workflow with, read back from Temporal's history. */
async function startedWith(response: Response): Promise<ExportJobInput> {
  const jobId = response.headers.get('content-location')!.split('/').pop()!;
  const history = await stack.client.workflow.getHandle(jobId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return defaultPayloadConverter.fromPayload<ExportJobInput>(payload!);
}

async function countExports(): Promise<number> {
  const { count } = await stack.client.workflow.count(`TaskQueue = '${stack.config.TEMPORAL_TASK_QUEUE}'`);
  return count;
}

// First, while no job has started yet in this suite's task queue, so the count below means what it says.
describe('kick-off errors', () => {
  const observationFilter = encodeURIComponent('Observation?foo=bar');
  it.each<[string, () => Promise<Response>, number, string, string | undefined]>([
    ['no Prefer: respond-async', () => kickoffGet('/$export', {}), 400, 'invalid', 'Prefer'],
    ['an unknown parameter', () => kickoffGet('/$export?_count=1'), 400, 'not-supported', '_count'],
    ['an unknown type', () => kickoffGet('/$export?_type=Patient,Foo'), 400, 'invalid', '_type'],
    ['Parquet without a view', () => kickoffGet('/$export?_outputFormat=parquet'), 400, 'invalid', '_viewDefinition'],
    ['a bad _since', () => kickoffGet('/$export?_since=last-week'), 400, 'invalid', '_since'],
    ['_since after _until', () => kickoffGet('/$export?_since=2024-02-01&_until=2024-01-01'), 400, 'invalid', '_since'],
    [
      'an unknown _typeFilter search parameter',
      () => kickoffGet(`/$export?_type=Observation&_typeFilter=${observationFilter}`),
      400,
      'invalid',
      '_typeFilter',
    ],
    [
      'a _typeFilter result parameter',
      () => kickoffGet(`/$export?_typeFilter=${encodeURIComponent('Observation?_sort=date')}`),
      400,
      'invalid',
      '_typeFilter',
    ],
    ['a nested _elements path', () => kickoffGet('/$export?_elements=Patient.name.given'), 400, 'invalid', '_elements'],
    [
      'organizeOutputBy other than Patient',
      () => kickoffGet('/$export?organizeOutputBy=Encounter'),
      400,
      'not-supported',
      'organizeOutputBy',
    ],
    [
      'a type outside the Patient compartment at Patient level',
      () => kickoffGet('/Patient/$export?_type=Practitioner'),
      400,
      'not-supported',
      '_type',
    ],
    ['patient in a GET query', () => kickoffGet('/Patient/$export?patient=Patient/1'), 400, 'not-supported', 'patient'],
    [
      'patient at system level',
      () => kickoffPost('/$export', [{ name: 'patient', valueReference: { reference: 'Patient/1' } }]),
      400,
      'not-supported',
      'patient',
    ],
    [
      'a patient that is no Patient reference',
      () => kickoffPost('/Group/g1/$export', [{ name: 'patient', valueReference: { reference: 'Group/1' } }]),
      400,
      'invalid',
      'patient',
    ],
    ['a Group id that is no FHIR id', () => kickoffGet('/Group/a%20b/$export'), 400, 'invalid', undefined],
    [
      'a POST body that is not Parameters',
      () =>
        stack.fetch(`${stack.baseUrl}/$export`, {
          method: 'POST',
          headers: FHIR_JSON,
          body: '{"resourceType":"Patient"}',
        }),
      400,
      'invalid',
      undefined,
    ],
    [
      'a POST body that is not JSON',
      () => stack.fetch(`${stack.baseUrl}/$export`, { method: 'POST', headers: FHIR_JSON, body: '{"resourceType":' }),
      400,
      'invalid',
      undefined,
    ],
    [
      'a POST body of another media type',
      () =>
        stack.fetch(`${stack.baseUrl}/$export`, {
          method: 'POST',
          headers: { ...ASYNC, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: '_type=Patient',
        }),
      415,
      'not-supported',
      undefined,
    ],
    [
      'an Accept the server cannot answer',
      () => kickoffGet('/$export', { Prefer: 'respond-async', Accept: 'application/fhir+xml' }),
      406,
      'not-supported',
      'Accept',
    ],
  ])('answers an OperationOutcome for %s', async (_what, send, status, code, expression) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(response.headers.get('content-location')).toBeNull();
    const body = (await response.json()) as OperationOutcome;
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue).toHaveLength(1);
    expect(body.issue[0]).toMatchObject({ severity: 'error', code });
    expect(body.issue[0]?.expression).toEqual(expression && [expression]);
  });

  it('started no job for any of them', async () => {
    expect(await countExports()).toBe(0);
  });
});

describe('kick-off', () => {
  const contentLocation = (response: Response, base = stack.baseUrl) => {
    expect(response.status).toBe(202);
    const location = response.headers.get('content-location');
    expect(location).toMatch(new RegExp(`^${base}/_export/[0-9a-f-]{36}$`));
    started.push(location!.split('/').pop()!);
  };

  it('starts a system-level export from a POST Parameters body', async () => {
    const response = await kickoffPost('/$export', [
      { name: '_type', valueString: 'Patient,Observation' },
      { name: '_since', valueInstant: '2024-01-01T00:00:00Z' },
      { name: '_typeFilter', valueString: 'Observation?code=http://loinc.org|1234-5' },
      { name: '_elements', valueString: 'id,Observation.code' },
      { name: 'allowPartialManifests', valueBoolean: true },
    ]);
    contentLocation(response);
    const input = await startedWith(response);
    expect(input).toMatchObject({
      level: 'system',
      tenant: 'default',
      types: ['Patient', 'Observation'],
      since: '2024-01-01T00:00:00.000Z',
      typeFilters: { Observation: ['code=http://loinc.org|1234-5'] },
      elements: { '*': ['id'], Observation: ['code'] },
      includeDeleted: true,
      allowPartialManifests: true,
      ignored: [],
      requestUrl: `${stack.baseUrl}/$export`,
      baseUrl: stack.baseUrl,
      requiresAccessToken: true,
      requestedBy: stack.auth.clientId,
    });
    expect(Date.parse(input.transactionTime)).toBeGreaterThan(Date.now() - 60_000);
  });

  // AuditEvent only when _type names it (docs/audit.md): the trail is not the tenant's data.
  it('exports every type but the audit trail at system level when _type is absent', async () => {
    const response = await kickoffGet('/tenant/all/$export');
    contentLocation(response, `${stack.baseUrl}/tenant/all`);
    const { types } = await startedWith(response);
    expect(types).toEqual(resourceTypesOf('4.0.1').filter((type) => type !== 'AuditEvent'));
    expect(types).toHaveLength(145);
  });

  it('starts a Patient-level export for the patients named in the body', async () => {
    await bulkLoad(
      stack.store,
      'default',
      ['p1', 'p2'].map((id) => ({ resourceType: 'Patient', id })),
    );
    const response = await kickoffPost('/Patient/$export', [
      { name: 'patient', valueReference: { reference: 'Patient/p1' } },
      { name: 'patient', valueReference: { reference: 'Patient/p2' } },
      { name: '_type', valueString: 'Patient' },
      { name: '_type', valueString: 'Condition' },
    ]);
    contentLocation(response);
    expect(await startedWith(response)).toMatchObject({
      level: 'patient',
      patients: ['p1', 'p2'],
      types: ['Patient', 'Condition'],
    });
  });

  it('starts a Group-level export in a tenant, with the compartment types by default', async () => {
    await bulkLoad(stack.store, 'acme', [{ resourceType: 'Group', id: 'g-1', type: 'person', actual: true }]);
    const response = await kickoffPost('/tenant/acme/Group/g-1/$export', [
      { name: 'organizeOutputBy', valueString: 'Patient' },
    ]);
    contentLocation(response, `${stack.baseUrl}/tenant/acme`);
    const input = await startedWith(response);
    expect(input).toMatchObject({ level: 'group', groupId: 'g-1', tenant: 'acme', organizeOutputBy: 'Patient' });
    expect(input.types).toEqual(expect.arrayContaining(['Patient', 'Observation', 'Encounter']));
    expect(input.types).not.toContain('Practitioner');
  });

  it('starts a one-patient export at Patient/{id}/$export', async () => {
    await bulkLoad(stack.store, 'default', [{ resourceType: 'Patient', id: 'p-7' }]);
    const response = await kickoffPost('/fhir/Patient/p-7/$export', [{ name: '_type', valueString: 'Observation' }]);
    contentLocation(response, `${stack.baseUrl}/fhir`);
    expect(await startedWith(response)).toMatchObject({ level: 'patient', patients: ['p-7'], types: ['Observation'] });
  });

  it('takes a POST without a body, and GET parameters as the IG encodes them', async () => {
    const empty = await stack.fetch(`${stack.baseUrl}/Patient/$export?_type=Patient`, {
      method: 'POST',
      headers: ASYNC,
    });
    contentLocation(empty);
    const typeFilter = encodeURIComponent('MedicationRequest?status=completed&date=gt2018-07-01T00:00:00Z');
    const response = await kickoffGet(`/$export?_type=MedicationRequest&_typeFilter=${typeFilter}`, {
      Prefer: 'respond-async',
    });
    contentLocation(response);
    expect((await startedWith(response)).typeFilters).toEqual({
      MedicationRequest: ['status=completed&date=gt2018-07-01T00:00:00Z'],
    });
  });

  it('skips what it cannot do under Prefer: handling=lenient and hands the list to the job', async () => {
    const response = await kickoffGet('/$export?_type=Patient,Foo&_count=1&includeAssociatedData=_deleted', {
      Prefer: 'respond-async, handling=lenient',
    });
    contentLocation(response);
    expect(await startedWith(response)).toMatchObject({
      types: ['Patient'],
      includeDeleted: true,
      ignored: [
        { parameter: '_type', reason: expect.stringContaining('Foo') },
        { parameter: '_count', reason: expect.any(String) },
      ],
    });
  });
});
