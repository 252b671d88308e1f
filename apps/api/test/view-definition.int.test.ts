import type { OperationOutcome } from '@fhir-bulk/fhir';
import { type BulkStack, fhirClient, startBulkStack } from '@fhir-bulk/test-support';

let stack: BulkStack;
let fhir: ReturnType<typeof fhirClient>;
beforeAll(async () => {
  stack = await startBulkStack();
  fhir = fhirClient(stack.baseUrl, stack.fetch);
});
afterAll(() => stack.stop());

interface View {
  resourceType: 'ViewDefinition';
  id: string;
  name?: string;
  url?: string;
  status?: string;
  meta: { versionId: string; lastUpdated: string };
}
interface Bundle {
  resourceType: 'Bundle';
  type: string;
  total: number;
  link: Array<{ relation: string; url: string }>;
  entry: Array<{ fullUrl: string; resource: View; search: { mode: string } }>;
}

const view = (name: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'ViewDefinition',
  name,
  status: 'active',
  resource: 'Patient',
  select: [
    { column: [{ name: 'id', path: 'getResourceKey()' }] },
    { forEach: 'name', column: [{ name: 'family', path: 'family' }] },
  ],
  ...extra,
});

describe('ViewDefinition resources', () => {
  it('creates with a server id, reads, updates, keeps versions and deletes', async () => {
    const created = await fhir.post<View>('/tenant/crud/ViewDefinition', view('patients', { id: 'mine' }));
    expect(created.status).toBe(201);
    const { id } = created.body;
    expect(id).not.toBe('mine');
    expect(created.headers.get('location')).toBe(`${stack.baseUrl}/tenant/crud/ViewDefinition/${id}/_history/1`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(created.body).toMatchObject({ ...view('patients'), meta: { versionId: '1' } });
    expect(Date.parse(created.body.meta.lastUpdated)).not.toBeNaN();

    const read = await fhir.get<View>(`/tenant/crud/ViewDefinition/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const updated = await fhir.put<View>(`/tenant/crud/ViewDefinition/${id}`, { ...created.body, status: 'retired' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ status: 'retired', meta: { versionId: '2' } });
    const stale = await fhir.put<OperationOutcome>(`/tenant/crud/ViewDefinition/${id}`, created.body, {
      'If-Match': 'W/"1"',
    });
    expect(stale.status).toBe(412);

    expect((await fhir.get<View>(`/tenant/crud/ViewDefinition/${id}/_history/1`)).body.status).toBe('active');
    const history = await fhir.get<Bundle>(`/tenant/crud/ViewDefinition/${id}/_history`);
    expect(history.body.entry.map((e) => e.resource.meta.versionId)).toEqual(['2', '1']);

    expect((await fhir.delete(`/tenant/crud/ViewDefinition/${id}`)).status).toBe(204);
    const gone = await fhir.get<OperationOutcome>(`/tenant/crud/ViewDefinition/${id}`);
    expect(gone.status).toBe(410);
    expect(gone.body.issue[0]?.code).toBe('deleted');
  });

  it('creates with the client id on PUT (201), then updates it (200)', async () => {
    const first = await fhir.put<View>('/tenant/crud/ViewDefinition/by-client', view('by_client', { id: 'by-client' }));
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`${stack.baseUrl}/tenant/crud/ViewDefinition/by-client/_history/1`);
    const second = await fhir.put<View>(
      '/tenant/crud/ViewDefinition/by-client',
      view('by_client', { id: 'by-client', title: 'x' }),
    );
    expect(second.status).toBe(200);
    expect(second.body.meta.versionId).toBe('2');
  });

  it('answers 404 with an OperationOutcome for a view that does not exist', async () => {
    const missing = await fhir.get<OperationOutcome>('/tenant/crud/ViewDefinition/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
  });
});

describe('validation on write', () => {
  it('answers 400 with one issue per problem, located by expression, and stores nothing', async () => {
    const bad = {
      resourceType: 'ViewDefinition',
      resource: 'Patient',
      select: [
        {
          column: [
            { name: '1st', path: 'id' },
            { name: 'family', path: 'name.family', colection: true },
          ],
        },
      ],
      where: [{ path: 42 }],
    };
    for (const reply of [
      await fhir.post<OperationOutcome>('/tenant/invalid/ViewDefinition', bad),
      await fhir.put<OperationOutcome>('/tenant/invalid/ViewDefinition/v1', { ...bad, id: 'v1' }),
    ]) {
      expect(reply.status).toBe(400);
      expect(reply.body.issue.map((i) => [i.code, i.expression])).toEqual([
        ['invalid', ['ViewDefinition.select[0].column[0].name']],
        ['invalid', ['ViewDefinition.select[0].column[1].colection']],
        ['invalid', ['ViewDefinition.where[0].path']],
      ]);
    }
    const fhirPath = await fhir.post<OperationOutcome>(
      '/tenant/invalid/ViewDefinition',
      view('v', { resource: 'Patiant' }),
    );
    expect(fhirPath.status).toBe(400);
    expect(fhirPath.body.issue[0]).toMatchObject({ expression: ['ViewDefinition.resource'] });

    expect((await fhir.get<Bundle>('/tenant/invalid/ViewDefinition')).body.total).toBe(0);
    expect((await fhir.get('/tenant/invalid/ViewDefinition/v1')).status).toBe(404);
  });

  it('needs resourceType ViewDefinition and the URL id in the body of a PUT', async () => {
    const { resourceType: _, ...untyped } = view('v');
    const noType = await fhir.post<OperationOutcome>('/tenant/invalid/ViewDefinition', untyped);
    expect(noType.status).toBe(400);
    expect(noType.body.issue[0]?.expression).toEqual(['ViewDefinition.resourceType']);
    const patient = await fhir.post<OperationOutcome>(
      '/tenant/invalid/ViewDefinition',
      view('v', { resourceType: 'Patient' }),
    );
    expect(patient.status).toBe(400);
    const otherId = await fhir.put<OperationOutcome>('/tenant/invalid/ViewDefinition/v1', view('v', { id: 'v2' }));
    expect(otherId.status).toBe(400);
    expect(otherId.body.issue[0]?.expression).toEqual(['ViewDefinition.id']);
    expect((await fhir.put('/tenant/invalid/ViewDefinition/bad$id', view('v', { id: 'bad$id' }))).status).toBe(400);
  });
});

describe('search', () => {
  beforeAll(async () => {
    await fhir.put('/tenant/search/ViewDefinition/a', view('patient_demographics', { id: 'a', url: 'http://x/vd/a' }));
    await fhir.put('/tenant/search/ViewDefinition/b', view('patient_names', { id: 'b', url: 'http://x/vd/b' }));
    await fhir.put('/tenant/search/ViewDefinition/c', view('observations', { id: 'c', status: 'draft' }));
  });

  const ids = async (query: string) => {
    const reply = await fhir.get<Bundle>(`/tenant/search/ViewDefinition${query}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    return reply.body.entry.map((e) => e.resource.id).sort();
  };

  it('lists the tenant views as a searchset', async () => {
    const all = await fhir.get<Bundle>('/tenant/search/ViewDefinition');
    expect(all.body.total).toBe(3);
    expect(all.body.entry[0]).toMatchObject({
      fullUrl: `${stack.baseUrl}/tenant/search/ViewDefinition/a`,
      search: { mode: 'match' },
    });
  });

  it('finds by name (starts with, any case; or exact), url and status', async () => {
    expect(await ids('?name=PATIENT')).toEqual(['a', 'b']);
    expect(await ids('?name:exact=patient_names')).toEqual(['b']);
    expect(await ids('?name:exact=patient')).toEqual([]);
    expect(await ids('?name=observations,patient_n')).toEqual(['b', 'c']);
    expect(await ids(`?url=${encodeURIComponent('http://x/vd/a')}`)).toEqual(['a']);
    expect(await ids('?status=active')).toEqual(['a', 'b']);
    expect(await ids('?name=patient&status=draft')).toEqual([]);
  });

  it('pages by _count with a next link', async () => {
    const first = await fhir.get<Bundle>('/tenant/search/ViewDefinition?_count=2');
    expect(first.body.entry.map((e) => e.resource.id)).toEqual(['a', 'b']);
    const next = first.body.link.find((l) => l.relation === 'next')!.url;
    const second = await stack.fetch(next).then((r) => r.json() as Promise<Bundle>);
    expect(second.entry.map((e) => e.resource.id)).toEqual(['c']);
    expect(second.link.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it('rejects a parameter it does not support, unless handling is lenient', async () => {
    const reply = await fhir.get<OperationOutcome>('/tenant/search/ViewDefinition?title=x');
    expect(reply.status).toBe(400);
    expect(reply.body.issue[0]).toMatchObject({ code: 'not-supported', expression: ['title'] });
    const lenient = await fhir.get<Bundle>('/tenant/search/ViewDefinition?title=x', { Prefer: 'handling=lenient' });
    expect(lenient.body.total).toBe(3);
  });
});

describe('tenants', () => {
  it('keep their views apart; / and /fhir are the default tenant', async () => {
    await fhir.put('/tenant/one/ViewDefinition/shared', view('in_one', { id: 'shared' }));
    expect((await fhir.get('/tenant/two/ViewDefinition/shared')).status).toBe(404);
    expect((await fhir.get<Bundle>('/tenant/two/ViewDefinition')).body.total).toBe(0);
    const two = await fhir.put<View>('/tenant/two/ViewDefinition/shared', view('in_two', { id: 'shared' }));
    expect(two.status).toBe(201);
    expect((await fhir.get<View>('/tenant/one/ViewDefinition/shared')).body.name).toBe('in_one');
    expect((await fhir.delete('/tenant/two/ViewDefinition/shared')).status).toBe(204);
    expect((await fhir.get('/tenant/one/ViewDefinition/shared')).status).toBe(200);

    const created = await fhir.post<View>('/ViewDefinition', view('in_default'));
    expect((await fhir.get<View>(`/fhir/ViewDefinition/${created.body.id}`)).body.name).toBe('in_default');
    expect((await fhir.get(`/tenant/one/ViewDefinition/${created.body.id}`)).status).toBe(404);
  });
});
