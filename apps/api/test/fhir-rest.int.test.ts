import { type BulkStack, fhirClient, startBulkStack } from '@fhir-bulk/test-support';

let stack: BulkStack;
let fhir: ReturnType<typeof fhirClient>;
beforeAll(async () => {
  stack = await startBulkStack();
  fhir = fhirClient(stack.baseUrl, stack.fetch);
});
afterAll(() => stack.stop());

interface Resource {
  resourceType: string;
  id: string;
  meta: { versionId: string; lastUpdated: string };
  [key: string]: unknown;
}
interface Outcome {
  resourceType: 'OperationOutcome';
  issue: Array<{ code: string; diagnostics: string; expression?: string[] }>;
}
interface Bundle {
  resourceType: 'Bundle';
  type: string;
  total?: number;
  link?: Array<{ relation: string; url: string }>;
  entry?: Array<{
    fullUrl?: string;
    resource?: Resource;
    request?: { method: string };
    response?: { status: string; location?: string; etag?: string };
  }>;
}

const patient = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  gender: 'female',
  birthDate: '1980-05-01',
  name: [{ family: 'Smith', given: ['Ann'] }],
  ...extra,
});

describe('resource lifecycle', () => {
  it('creates, reads, updates, vreads, deletes and keeps the whole history', async () => {
    const created = await fhir.post<Resource>('/Patient', patient({ id: 'client-chosen' }));
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(id).not.toBe('client-chosen');
    expect(created.headers.get('location')).toBe(`${stack.baseUrl}/Patient/${id}/_history/1`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(created.body.meta.versionId).toBe('1');

    const read = await fhir.get<Resource>(`/Patient/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const updated = await fhir.put<Resource>(
      `/Patient/${id}`,
      { ...created.body, gender: 'male' },
      { 'If-Match': 'W/"1"' },
    );
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ gender: 'male', meta: { versionId: '2' } });

    const stale = await fhir.put<Outcome>(
      `/Patient/${id}`,
      { ...created.body, gender: 'other' },
      { 'If-Match': 'W/"1"' },
    );
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');

    expect((await fhir.get<Resource>(`/Patient/${id}/_history/1`)).body.gender).toBe('female');
    expect((await fhir.get<Resource>(`/Patient/${id}/_history/2`)).body.gender).toBe('male');
    expect((await fhir.get(`/Patient/${id}/_history/3`)).status).toBe(404);

    expect((await fhir.delete(`/Patient/${id}`)).status).toBe(204);
    const gone = await fhir.get<Outcome>(`/Patient/${id}`);
    expect(gone.status).toBe(410);
    expect(gone.body.issue[0]?.code).toBe('deleted');

    const history = await fhir.get<Bundle>(`/Patient/${id}/_history`);
    expect(history.body.type).toBe('history');
    expect(history.body.entry?.map((e) => [e.request?.method, e.response?.etag])).toEqual([
      ['DELETE', 'W/"3"'],
      ['PUT', 'W/"2"'],
      ['POST', 'W/"1"'],
    ]);
  });

  it('creates on update with the client id, and adds no version when nothing changed', async () => {
    const first = await fhir.put<Resource>('/Patient/put-create', patient({ id: 'put-create' }));
    expect(first.status).toBe(201);
    const again = await fhir.put<Resource>('/Patient/put-create', patient({ id: 'put-create' }));
    expect(again.status).toBe(200);
    expect(again.body.meta.versionId).toBe('1');
  });

  it('answers 404 for what never existed and 404 for unknown types', async () => {
    expect((await fhir.get('/Patient/never-was')).status).toBe(404);
    expect((await fhir.get('/NotAType/x')).status).toBe(404);
  });
});

describe('validation', () => {
  it('rejects an invalid date with an issue at the element, and writes nothing', async () => {
    const before = await stack.store.countCurrent('default', 'Patient');
    const reply = await fhir.post<Outcome>('/Patient', patient({ birthDate: '1980-13-45' }));
    expect(reply.status).toBe(400);
    expect(reply.body.issue.map((i) => i.expression?.[0])).toContain('Patient.birthDate');
    expect(await stack.store.countCurrent('default', 'Patient')).toBe(before);
  });

  it.each([
    ['a body of another type', '/Patient', { resourceType: 'Observation', status: 'final', code: { text: 'x' } }],
    ['an unknown element', '/Patient', patient({ favouriteColour: 'blue' })],
    ['an Observation without status', '/Observation', { resourceType: 'Observation', code: { text: 'x' } }],
    ['a body that is not JSON', '/Patient', '{not json'],
  ])('rejects %s with a 400 OperationOutcome', async (_what, path, body) => {
    const reply = await fhir.post<Outcome>(path, body);
    expect(reply.status).toBe(400);
    expect(reply.body.resourceType).toBe('OperationOutcome');
  });

  it('answers 413 to a body over the size limit', async () => {
    const reply = await fhir.post<Outcome>(
      '/Patient',
      patient({ text: { status: 'generated', div: `<div>${'x'.repeat(70_000)}</div>` } }),
    );
    expect(reply.status).toBe(413);
    expect(reply.body.resourceType).toBe('OperationOutcome');
  });
});

describe('search', () => {
  beforeAll(async () => {
    const base = '/tenant/search';
    for (let i = 0; i < 23; i++) {
      await fhir.put(
        `${base}/Patient/s${i}`,
        patient({ id: `s${i}`, gender: i % 2 ? 'male' : 'female', birthDate: `19${50 + i}-01-01` }),
      );
    }
    await fhir.put(`${base}/Observation/o1`, {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      category: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: 'Patient/s1' },
      effectiveDateTime: '2024-03-01T10:00:00Z',
      valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });
  });

  it('pages through every match exactly once by following next links', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/tenant/search/Patient?gender=female&_count=5';
    let pages = 0;
    while (url) {
      const page: { body: Bundle } = await fhir.get<Bundle>(url);
      expect(page.body.type).toBe('searchset');
      expect(page.body.total).toBe(12);
      seen.push(...(page.body.entry ?? []).map((e) => e.resource!.id));
      url = page.body.link?.find((l) => l.relation === 'next')?.url.replace(stack.baseUrl, '');
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
  });

  it.each(['_summary=count', '_count=0'])('counts without returning resources for %s', async (ask) => {
    const reply = await fhir.get<Bundle>(`/tenant/search/Patient?gender=female&${ask}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 12 });
    expect(reply.body.entry ?? []).toEqual([]);
    expect(reply.body.link?.map((l) => l.relation)).toEqual(['self']);
  });

  it.each([
    ['_summary=text', '_summary'],
    ['_count=-1', '_count'],
    ['_count=', '_count'],
  ])('refuses %s with a 400 naming the parameter', async (ask, parameter) => {
    const reply = await fhir.get<Outcome>(`/tenant/search/Patient?${ask}`);
    expect(reply.status).toBe(400);
    expect(reply.body.issue[0]?.expression).toEqual([parameter]);
  });

  it('refuses _count=0 on a history, which is never counted alone', async () => {
    const reply = await fhir.get<Outcome>('/tenant/search/Patient/s1/_history?_count=0');
    expect(reply.status).toBe(400);
    expect(reply.body.issue[0]?.expression).toEqual(['_count']);
  });

  it.each([
    ['/Patient?birthdate=ge1970&birthdate=lt1972', ['s20', 's21']],
    ['/Patient?name=smi&gender=male&birthdate=1951', ['s1']],
    ['/Patient?_id=s3,s4', ['s3', 's4']],
    ['/Observation?subject=Patient/s1&code=http://loinc.org|8867-4', ['o1']],
    ['/Observation?patient=s1&category=vital-signs&date=2024-03', ['o1']],
    ['/Observation?patient=s2', []],
  ])('%s', async (query, ids) => {
    const reply = await fhir.get<Bundle>(`/tenant/search${query}`);
    expect(reply.status).toBe(200);
    expect((reply.body.entry ?? []).map((e) => e.resource!.id).sort()).toEqual(ids);
  });

  it('rejects an unknown parameter, or ignores it when the client asks for lenient handling', async () => {
    const strict = await fhir.get<Outcome>('/tenant/search/Patient?shoeSize=42');
    expect(strict.status).toBe(400);
    expect(strict.body.issue[0]?.expression).toEqual(['shoeSize']);
    const lenient = await fhir.get<Bundle>('/tenant/search/Patient?shoeSize=42', { Prefer: 'handling=lenient' });
    expect(lenient.status).toBe(200);
    expect(lenient.body.total).toBe(23);
  });
});

describe('tenants', () => {
  it('never shows one tenant the data of another', async () => {
    await fhir.put('/tenant/a/Patient/shared-id', patient({ id: 'shared-id', gender: 'female' }));
    await fhir.put('/tenant/b/Patient/shared-id', patient({ id: 'shared-id', gender: 'male' }));
    expect((await fhir.get<Resource>('/tenant/a/Patient/shared-id')).body.gender).toBe('female');
    expect((await fhir.get<Resource>('/tenant/b/Patient/shared-id')).body.gender).toBe('male');
    expect((await fhir.get('/tenant/c/Patient/shared-id')).status).toBe(404);
    expect((await fhir.get<Bundle>('/tenant/c/Patient')).body.total).toBe(0);
    await fhir.delete('/tenant/a/Patient/shared-id');
    expect((await fhir.get('/tenant/b/Patient/shared-id')).status).toBe(200);
  });
});
