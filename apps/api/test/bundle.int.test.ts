import { type BulkStack, fhirClient, inSuiteVersion, startBulkStack } from '@fhir-bulk/test-support';

let stack: BulkStack;
let fhir: ReturnType<typeof fhirClient>;
beforeAll(async () => {
  stack = await startBulkStack();
  fhir = fhirClient(stack.baseUrl, stack.fetch);
});
afterAll(() => stack.stop());

interface BundleReply {
  resourceType: string;
  type: string;
  entry: Array<{
    resource?: { id: string };
    response: {
      status: string;
      location?: string;
      etag?: string;
      lastModified?: string;
      outcome?: { issue: Array<{ expression?: string[] }> };
    };
  }>;
}
interface Outcome {
  resourceType: 'OperationOutcome';
  issue: Array<{ diagnostics: string; expression?: string[] }>;
}

const patientEntry = (fullUrl: string, family: string) => ({
  fullUrl,
  resource: { resourceType: 'Patient', name: [{ family }] },
  request: { method: 'POST', url: 'Patient' },
});
const encounterEntry = (patientRef: string, extra: Record<string, unknown> = {}) => ({
  resource: inSuiteVersion({
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: patientRef },
    ...extra,
  }),
  request: { method: 'POST', url: 'Encounter' },
});

async function tenantCounts(tenant: string) {
  return {
    patients: await stack.store.countCurrent(tenant, 'Patient'),
    encounters: await stack.store.countCurrent(tenant, 'Encounter'),
  };
}

describe('transaction Bundles', () => {
  it('writes every entry, resolves urn:uuid references and answers per entry as the spec shows', async () => {
    const reply = await fhir.post<BundleReply>('/tenant/tx-ok', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        patientEntry('urn:uuid:11111111-1111-1111-1111-111111111111', 'Jones'),
        encounterEntry('urn:uuid:11111111-1111-1111-1111-111111111111'),
      ],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.type).toBe('transaction-response');
    const [patient, encounter] = reply.body.entry;
    expect(patient?.response).toMatchObject({ status: '201 Created', etag: 'W/"1"' });
    expect(patient?.response.location).toMatch(/^Patient\/[0-9a-f-]{36}\/_history\/1$/);
    expect(Date.parse(patient!.response.lastModified!)).not.toBeNaN();
    const patientId = patient!.response.location!.split('/')[1];
    const encounterId = encounter!.response.location!.split('/')[1]!;
    const stored = await stack.store.read('tx-ok', 'Encounter', encounterId);
    expect(stored?.resource.subject).toEqual({ reference: `Patient/${patientId}` });
    expect(stored?.compartments).toContain(`Patient/${patientId}`);
  });

  it('writes nothing when its last entry is invalid, and says which entry and element', async () => {
    const reply = await fhir.post<Outcome>('/tenant/tx-invalid', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        patientEntry('urn:uuid:a', 'A'),
        patientEntry('urn:uuid:b', 'B'),
        { ...patientEntry('urn:uuid:c', 'C'), resource: { resourceType: 'Patient', birthDate: 'yesterday' } },
      ],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.issue[0]?.expression).toEqual(['Bundle.entry[2].resource.birthDate']);
    expect(await tenantCounts('tx-invalid')).toEqual({ patients: 0, encounters: 0 });
  });

  it('rolls everything back when a write conflicts midway, restoring updated resources', async () => {
    await fhir.put('/tenant/tx-conflict/Patient/keep', { resourceType: 'Patient', id: 'keep', gender: 'female' });
    const reply = await fhir.post<Outcome>('/tenant/tx-conflict', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Patient', id: 'keep', gender: 'male' },
          request: { method: 'PUT', url: 'Patient/keep' },
        },
        patientEntry('urn:uuid:new', 'New'),
        {
          resource: { resourceType: 'Patient', id: 'other', gender: 'male' },
          request: { method: 'PUT', url: 'Patient/other', ifMatch: 'W/"7"' },
        },
      ],
    });
    expect(reply.status).toBe(412);
    const kept = await stack.store.read('tx-conflict', 'Patient', 'keep');
    expect(kept).toMatchObject({ versionId: 1, resource: { gender: 'female' } });
    expect(await stack.store.versions('tx-conflict', 'Patient', 'keep', 10)).toHaveLength(1);
    expect(await tenantCounts('tx-conflict')).toEqual({ patients: 1, encounters: 0 });
  });

  it('fails as a whole when a GET would fail, before anything is written', async () => {
    const reply = await fhir.post<Outcome>('/tenant/tx-read', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Basic', id: 'x', code: { text: 'x' } },
          request: { method: 'PUT', url: 'Basic/x' },
        },
        { request: { method: 'GET', url: 'Basic/missing' } },
      ],
    });
    expect(reply.status).toBe(404);
    expect(reply.body.resourceType).toBe('OperationOutcome');
    expect(await stack.store.read('tx-read', 'Basic', 'x')).toBeNull();
    expect(await stack.store.countCurrent('tx-read', 'Basic')).toBe(0);
  });

  it('refuses a GET of what the same transaction deletes, and keeps the resource', async () => {
    await fhir.put('/tenant/tx-read-deleted/Basic/y', { resourceType: 'Basic', id: 'y', code: { text: 'y' } });
    const reply = await fhir.post<Outcome>('/tenant/tx-read-deleted', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'DELETE', url: 'Basic/y' } }, { request: { method: 'GET', url: 'Basic/y' } }],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.issue[0]?.diagnostics).toMatch(/Bundle.entry\[1\]: reads Basic\/y, which entry 0 deletes/);
    expect(await stack.store.read('tx-read-deleted', 'Basic', 'y')).toMatchObject({ versionId: 1 });
  });

  it('answers a GET of what it writes with the written version', async () => {
    const reply = await fhir.post<BundleReply>('/tenant/tx-read-own', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Basic', id: 'z', code: { text: 'z' } },
          request: { method: 'PUT', url: 'Basic/z' },
        },
        { request: { method: 'GET', url: 'Basic/z' } },
      ],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.entry.map((e) => e.response.status)).toEqual(['201 Created', '200 OK']);
    expect(reply.body.entry[1]!.resource).toMatchObject({ id: 'z', code: { text: 'z' } });
  });
});

describe('batch Bundles', () => {
  it('applies each entry on its own and reports failures per entry', async () => {
    const reply = await fhir.post<BundleReply>('/tenant/batch', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        patientEntry('urn:uuid:x', 'Ok'),
        { resource: { resourceType: 'Patient', birthDate: 'nope' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/missing' } },
        encounterEntry('Patient/whatever'),
      ],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.type).toBe('batch-response');
    expect(reply.body.entry.map((e) => e.response.status)).toEqual([
      '201 Created',
      '400 Bad Request',
      '404 Not Found',
      '201 Created',
    ]);
    expect(reply.body.entry[1]?.response.outcome?.issue[0]?.expression).toEqual(['Bundle.entry[1].resource.birthDate']);
    expect(await tenantCounts('batch')).toEqual({ patients: 1, encounters: 1 });
  });

  it('rejects a body that is not a transaction or batch Bundle', async () => {
    const reply = await fhir.post<Outcome>('/', { resourceType: 'Bundle', type: 'collection', entry: [] });
    expect(reply.status).toBe(400);
    expect(reply.body.issue[0]?.expression).toEqual(['Bundle.type']);
  });
});
