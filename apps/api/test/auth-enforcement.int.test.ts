import type { ClientRegistration } from '@fhir-bulk/auth';
import type { ExportManifest } from '@fhir-bulk/export';
import type { OperationOutcome } from '@fhir-bulk/fhir';
import { importKickoffBody } from '@fhir-bulk/import';
import {
  type BulkStack,
  kickoffImport,
  ndjsonLines,
  pollUntilDone,
  putInput,
  startBulkStack,
  type TestClient,
  testResource,
} from '@fhir-bulk/test-support';
import { randomUUID } from 'node:crypto';
import { expectAccessDenied, fetchWith, fhirJson } from './auth-requests';

/**
 * Every protected route needs a token (401 with a Bearer challenge without one), and a token does only what its
 * client's permissions, granted scopes and tenants allow (403 ACCESS_DENIED otherwise). Discovery, metadata and the
 * health checks stay open.
 */
let stack: BulkStack;
beforeAll(async () => {
  stack = await startBulkStack();
  for (const resource of [
    testResource('Patient', 'p1'),
    testResource('Observation', 'o1'),
    { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' } },
    { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' } },
  ]) {
    const put = await stack.fetch(
      `${stack.baseUrl}/${resource.resourceType}/${resource.id}`,
      fhirJson('PUT', resource),
    );
    expect(put.status).toBe(201);
  }
  expect((await stack.fetch(`${stack.baseUrl}/ViewDefinition/pv`, fhirJson('PUT', patientView('pv')))).status).toBe(
    201,
  );
  expect(
    (await stack.fetch(`${stack.baseUrl}/tenant/a/Patient/pa`, fhirJson('PUT', testResource('Patient', 'pa')))).status,
  ).toBe(201);
});
afterAll(() => stack.stop());

function patientView(id?: string) {
  return {
    resourceType: 'ViewDefinition',
    ...(id ? { id } : {}),
    name: 'patient_ids',
    status: 'active',
    resource: 'Patient',
    select: [{ column: [{ name: 'id', path: 'getResourceKey()' }] }],
  };
}

/** A client registered with `registration`, asking for `scope`; its requests carry its tokens. */
async function clientWith(registration: Partial<ClientRegistration>, scope = 'system/*.*'): Promise<ScopedClient> {
  const client = await stack.registerClient(registration, scope);
  return { ...client, fetch: client.http.fetch, url: (path: string) => `${stack.baseUrl}${path}` };
}
interface ScopedClient extends TestClient {
  fetch: BulkStack['fetch'];
  url(path: string): string;
}

const JOB = randomUUID();
const runParameters = {
  resourceType: 'Parameters',
  parameter: [{ name: 'viewResource', resource: patientView() }],
};
const bundle = (type: 'transaction' | 'batch', entries: Array<{ method: string; type: string; id: string }>) => ({
  resourceType: 'Bundle',
  type,
  entry: entries.map(({ method, type: resourceType, id }) => ({
    resource: testResource(resourceType, id),
    request: { method, url: `${resourceType}/${id}` },
  })),
});

/** Every protected route of one [base], with a request that would otherwise succeed or fail on its merits. */
const protectedRoutes = (base: string): Array<[string, string, unknown?]> => [
  ['GET', `${base}/Patient/p1`],
  ['GET', `${base}/Patient/p1/_history/1`],
  ['GET', `${base}/Patient/p1/_history`],
  ['GET', `${base}/Patient`],
  ['POST', `${base}/Patient`, testResource('Patient', 'x')],
  ['PUT', `${base}/Patient/p1`, testResource('Patient', 'p1')],
  ['DELETE', `${base}/Patient/p1`],
  ['POST', `${base}/`, bundle('transaction', [{ method: 'PUT', type: 'Patient', id: 'b1' }])],
  ['GET', `${base}/$export`],
  ['POST', `${base}/$export`, { resourceType: 'Parameters', parameter: [] }],
  ['GET', `${base}/Patient/$export`],
  ['GET', `${base}/Patient/p1/$export`],
  ['GET', `${base}/Group/g1/$export`],
  ['GET', `${base}/_export/${JOB}`],
  ['DELETE', `${base}/_export/${JOB}`],
  ['GET', `${base}/_export/${JOB}/files/Patient-0-0.ndjson`],
  ['POST', `${base}/$import`, importKickoffBody([{ type: 'Patient', url: 's3://bucket/key.ndjson' }])],
  ['GET', `${base}/_import/${JOB}`],
  ['DELETE', `${base}/_import/${JOB}`],
  ['GET', `${base}/_import/${JOB}/files/errors-0.ndjson`],
  ['GET', `${base}/ViewDefinition`],
  ['GET', `${base}/ViewDefinition/pv`],
  ['POST', `${base}/ViewDefinition`, patientView()],
  ['PUT', `${base}/ViewDefinition/pv`, patientView('pv')],
  ['DELETE', `${base}/ViewDefinition/pv`],
  ['POST', `${base}/ViewDefinition/$viewdefinition-run`, runParameters],
  ['GET', `${base}/ViewDefinition/pv/$viewdefinition-run`],
  ['POST', `${base}/$viewdefinition-run`, runParameters],
  ['POST', `${base}/ViewDefinition/$viewdefinition-export`, { resourceType: 'Parameters', parameter: [] }],
  ['POST', `${base}/ViewDefinition/pv/$viewdefinition-export`, { resourceType: 'Parameters', parameter: [] }],
  ['GET', `${base}/_viewdefinition-export/${JOB}`],
  ['GET', `${base}/$bulk-export-status/${JOB}`],
];

/** A request as a bulk client sends it: FHIR JSON body if any, and Prefer: respond-async (kick-offs need it). */
const send = (sender: ReturnType<typeof fetchWith>, method: string, path: string, body?: unknown) =>
  sender(`${stack.baseUrl}${path}`, {
    method,
    headers: { Prefer: 'respond-async', ...(body === undefined ? {} : { 'Content-Type': 'application/fhir+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('requests without a token', () => {
  // Every row has three entries: jest would take a third parameter missing from a row for a `done` callback.
  const rows = ['', '/tenant/x', '/fhir'].flatMap((base) => protectedRoutes(base).map(([m, p, b]) => [m, p, b]));
  it.each(rows)('answers 401 with a Bearer challenge to %s %s, and changes nothing', async (method, path, body) => {
    const response = await send(fetchWith(undefined), method as string, path as string, body);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="fhir-bulk"');
    const outcome = (await response.json()) as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]?.code).toBe('login');
  });

  it('left the seeded data as it was', async () => {
    const patient = await stack.fetch(`${stack.baseUrl}/Patient/p1`);
    expect(patient.status).toBe(200);
    expect(((await patient.json()) as { meta: { versionId: string } }).meta.versionId).toBe('1');
    expect((await stack.fetch(`${stack.baseUrl}/ViewDefinition/pv`)).status).toBe(200);
    expect(await stack.store.db.collection('export_jobs').countDocuments({})).toBe(0);
    expect(await stack.store.db.collection('import_jobs').countDocuments({})).toBe(0);
  });
});

describe('requests with a token the server does not accept', () => {
  it.each([
    ['an unknown token', 'Bearer 3q2-7w_unknown-token-value'],
    ['an empty bearer token', 'Bearer '],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['the administrator credential (not an access token)', 'admin'],
  ])('answers 401 with error="invalid_token" to %s', async (_what, header) => {
    const authorization = header === 'admin' ? `Bearer ${stack.adminToken}` : header;
    for (const path of ['/Patient', '/$export', '/tenant/x/Patient/p1', '/fhir/ViewDefinition']) {
      const response = await fetch(`${stack.baseUrl}${path}`, {
        headers: { Authorization: authorization, Prefer: 'respond-async' },
      });
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="fhir-bulk".*error="invalid_token"/);
      expect(((await response.json()) as OperationOutcome).issue[0]?.code).toBe('login');
    }
  });

  it('answers 401 with error="invalid_token" to an expired token', async () => {
    const client = await clientWith({});
    const token = await client.http.token();
    expect((await fetchWith(token)(client.url('/Patient'))).status).toBe(200);
    // Tokens are stored by hash with their expiry; ageing them is how a test waits five minutes.
    await stack.store.db
      .collection('auth_tokens')
      .updateMany({ clientId: client.clientId }, { $set: { expiresAt: new Date(Date.now() - 1_000) } });
    const response = await fetchWith(token)(client.url('/Patient'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });
});

describe('open routes', () => {
  it.each(['/healthz', '/readyz'])('answers %s without a token', async (path) => {
    expect((await fetch(`${stack.baseUrl}${path}`)).status).toBe(200);
  });

  it.each(['', '/tenant/x', '/fhir', '/fhir/tenant/x'])(
    'answers metadata and discovery on [base]=%s without a token',
    async (base) => {
      const metadata = await fetch(`${stack.baseUrl}${base}/metadata`);
      expect(metadata.status).toBe(200);
      expect(((await metadata.json()) as { resourceType: string }).resourceType).toBe('CapabilityStatement');
      const discovery = await fetch(`${stack.baseUrl}${base}/.well-known/smart-configuration`);
      expect(discovery.status).toBe(200);
      expect(discovery.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await discovery.json()) as { token_endpoint: string }).token_endpoint).toBe(
        `${stack.baseUrl}/auth/token`,
      );
    },
  );

  it('describes SMART Backend Services in the discovery document', async () => {
    const discovery = (await (await fetch(`${stack.baseUrl}/.well-known/smart-configuration`)).json()) as Record<
      string,
      string[]
    >;
    expect(discovery).toMatchObject({
      token_endpoint: `${stack.baseUrl}/auth/token`,
      registration_endpoint: `${stack.baseUrl}/auth/register`,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      grant_types_supported: ['client_credentials'],
    });
    expect(discovery.token_endpoint_auth_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['RS384', 'ES384']),
    );
    expect(discovery.token_endpoint_auth_signing_alg_values_supported).not.toContain('none');
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(['system/*.read', 'system/*.rs']));
    expect(discovery.capabilities).toEqual(
      expect.arrayContaining(['client-confidential-asymmetric', 'permission-v1', 'permission-v2']),
    );
  });

  it('names SMART and its OAuth endpoints in the CapabilityStatement', async () => {
    const statement = (await (await fetch(`${stack.baseUrl}/tenant/x/metadata`)).json()) as {
      rest: Array<{
        security?: {
          service: Array<{ coding: Array<{ system: string; code: string }> }>;
          extension: Array<{ url: string; extension: Array<{ url: string; valueUri: string }> }>;
        };
      }>;
    };
    const security = statement.rest[0]?.security;
    expect(security?.service.flatMap((s) => s.coding)).toContainEqual({
      system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
      code: 'SMART-on-FHIR',
    });
    const oauth = security?.extension.find(
      (e) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
    );
    expect(oauth?.extension).toEqual(
      expect.arrayContaining([
        { url: 'token', valueUri: `${stack.baseUrl}/auth/token` },
        { url: 'register', valueUri: `${stack.baseUrl}/auth/register` },
      ]),
    );
  });
});

describe('bulk export permissions and scopes', () => {
  const kickoff = (client: ScopedClient, path: string) =>
    client.fetch(`${stack.baseUrl}${path}`, { headers: { Prefer: 'respond-async' } });
  const jobsOf = (clientId: string) =>
    stack.store.db.collection('export_jobs').countDocuments({ requestedBy: clientId });

  it('refuses every export level to a client without bulk-export/read, and starts nothing', async () => {
    const client = await clientWith({ permissions: ['bulk-import/write', 'audit/read'] });
    for (const path of ['/$export?_type=Patient', '/Patient/$export', '/Patient/p1/$export', '/Group/g1/$export']) {
      await expectAccessDenied(await kickoff(client, path));
    }
    const viewExport = await client.fetch(client.url('/ViewDefinition/pv/$viewdefinition-export'), {
      ...fhirJson('POST', { resourceType: 'Parameters', parameter: [] }),
      headers: { 'Content-Type': 'application/fhir+json', Prefer: 'respond-async' },
    });
    await expectAccessDenied(viewExport);
    expect(await jobsOf(client.clientId)).toBe(0);
  });

  it('refuses an explicit _type naming a type the client may not read', async () => {
    const client = await clientWith({ scope: 'system/Patient.read' }, 'system/Patient.read');
    const denied = await expectAccessDenied(await kickoff(client, '/$export?_type=Patient,Observation'));
    expect(denied.issue[0]?.diagnostics).toContain('Observation');
    expect(await jobsOf(client.clientId)).toBe(0);
    expect((await kickoff(client, '/$export?_type=Patient')).status).toBe(202);
  });

  it('needs both read and search on an exported type', async () => {
    const client = await clientWith({ scope: 'system/Patient.r system/Observation.s' }, 'system/*.rs');
    await expectAccessDenied(await kickoff(client, '/$export?_type=Patient'));
    await expectAccessDenied(await kickoff(client, '/$export?_type=Observation'));
  });

  it('exports only the readable types without _type, and names the rest in the error file', async () => {
    const client = await clientWith(
      { scope: 'system/Patient.read system/Observation.read' },
      'system/Patient.read system/Observation.read',
    );
    const response = await kickoff(client, '/$export');
    expect(response.status).toBe(202);
    const done = await pollUntilDone(response.headers.get('content-location')!, client.fetch);
    expect(done.status).toBe(200);
    const manifest = (await done.json()) as ExportManifest;
    expect(manifest.output.map((o) => o.type).sort()).toEqual(['Observation', 'Patient']);
    expect(manifest.error).toHaveLength(1);

    const errors = await client.fetch(manifest.error[0]!.url);
    expect(errors.status).toBe(200);
    const outcomes = ndjsonLines(await errors.text());
    expect(outcomes.every((o) => o.resourceType === 'OperationOutcome')).toBe(true);
    const text = JSON.stringify(outcomes);
    expect(text).toContain('Condition');
    expect(text).toContain('Encounter');
  });
});

describe('bulk import permissions and scopes', () => {
  let patientUrl: string;
  let observationUrl: string;
  beforeAll(async () => {
    patientUrl = await putInput(
      stack.inputs,
      'default/patients.ndjson', // the base URL's tenant, `default`, reads `default/…`
      `${JSON.stringify(testResource('Patient', 'i1'))}\n`,
    );
    observationUrl = await putInput(
      stack.inputs,
      'default/observations.ndjson',
      `${JSON.stringify(testResource('Observation', 'i2'))}\n`,
    );
  });
  const importAs = (client: ScopedClient, inputs: Array<{ type: string; url: string }>) =>
    kickoffImport(stack.baseUrl, client.fetch, importKickoffBody(inputs));
  const jobsOf = (clientId: string) =>
    stack.store.db.collection('import_jobs').countDocuments({ requestedBy: clientId });

  it('refuses a client without bulk-import/write, and starts nothing', async () => {
    const client = await clientWith({ permissions: ['bulk-export/read'] });
    await expectAccessDenied(await importAs(client, [{ type: 'Patient', url: patientUrl }]));
    expect(await jobsOf(client.clientId)).toBe(0);
  });

  it('refuses an input of a type the client may not write', async () => {
    const client = await clientWith({ scope: 'system/Patient.write' }, 'system/Patient.write');
    const denied = await expectAccessDenied(await importAs(client, [{ type: 'Observation', url: observationUrl }]));
    expect(denied.issue[0]?.diagnostics).toContain('Observation');
    await expectAccessDenied(
      await importAs(client, [
        { type: 'Patient', url: patientUrl },
        { type: 'Observation', url: observationUrl },
      ]),
    );
    expect(await jobsOf(client.clientId)).toBe(0);
    expect((await importAs(client, [{ type: 'Patient', url: patientUrl }])).status).toBe(202);
  });

  it('needs both create and update on an imported type', async () => {
    const client = await clientWith({ scope: 'system/Patient.c system/Observation.u' }, 'system/*.cu');
    await expectAccessDenied(await importAs(client, [{ type: 'Patient', url: patientUrl }]));
    await expectAccessDenied(await importAs(client, [{ type: 'Observation', url: observationUrl }]));
  });
});

describe('FHIR REST scopes', () => {
  it('lets a create-only client create but not read', async () => {
    const client = await clientWith({ scope: 'system/Patient.c' }, 'system/Patient.c');
    await expectAccessDenied(await client.fetch(client.url('/Patient/p1')));
    expect((await client.fetch(client.url('/Patient'), fhirJson('POST', testResource('Patient', 'new')))).status).toBe(
      201,
    );
  });

  it('needs s to search and r to read', async () => {
    const reader = await clientWith({ scope: 'system/Patient.r' }, 'system/Patient.r');
    expect((await reader.fetch(reader.url('/Patient/p1'))).status).toBe(200);
    expect((await reader.fetch(reader.url('/Patient/p1/_history/1'))).status).toBe(200);
    await expectAccessDenied(await reader.fetch(reader.url('/Patient?_id=p1')));
    const searcher = await clientWith({ scope: 'system/Patient.s' }, 'system/Patient.s');
    expect((await searcher.fetch(searcher.url('/Patient?_id=p1'))).status).toBe(200);
    await expectAccessDenied(await searcher.fetch(searcher.url('/Patient/p1')));
  });

  it('lets v1 system/Patient.read read and search, but not create, update or delete', async () => {
    const client = await clientWith({ scope: 'system/Patient.read' }, 'system/Patient.read');
    expect((await client.fetch(client.url('/Patient/p1'))).status).toBe(200);
    expect((await client.fetch(client.url('/Patient'))).status).toBe(200);
    await expectAccessDenied(
      await client.fetch(client.url('/Patient'), fhirJson('POST', testResource('Patient', 'z'))),
    );
    await expectAccessDenied(
      await client.fetch(client.url('/Patient/p1'), fhirJson('PUT', testResource('Patient', 'p1', 2))),
    );
    await expectAccessDenied(await client.fetch(client.url('/Patient/p1'), fhirJson('DELETE')));
    await expectAccessDenied(await client.fetch(client.url('/Observation/o1')));
    expect((await stack.fetch(`${stack.baseUrl}/Patient/p1`)).status).toBe(200);
  });

  it('needs d to delete and u to update', async () => {
    const client = await clientWith({ scope: 'system/Observation.rs system/Observation.c' });
    await expectAccessDenied(await client.fetch(client.url('/Observation/o1'), fhirJson('DELETE')));
    await expectAccessDenied(
      await client.fetch(client.url('/Observation/o1'), fhirJson('PUT', testResource('Observation', 'o1', 2))),
    );
    const observation = (await (await stack.fetch(`${stack.baseUrl}/Observation/o1`)).json()) as {
      meta: { versionId: string };
    };
    expect(observation.meta.versionId).toBe('1');
  });
});

describe('Bundles', () => {
  const entries = [
    { method: 'PUT', type: 'Patient', id: 'bundle-p' },
    { method: 'PUT', type: 'Observation', id: 'bundle-o' },
  ];
  let client: ScopedClient;
  beforeAll(async () => {
    client = await clientWith({ scope: 'system/Patient.*' }, 'system/Patient.*');
  });

  it('refuses a whole transaction with one forbidden entry, and writes nothing', async () => {
    const response = await client.fetch(client.url('/tenant/tx'), fhirJson('POST', bundle('transaction', entries)));
    await expectAccessDenied(response);
    expect((await stack.fetch(`${stack.baseUrl}/tenant/tx/Patient/bundle-p`)).status).toBe(404);
    expect(await stack.store.countCurrent('tx', 'Patient')).toBe(0);
    expect(await stack.store.countCurrent('tx', 'Observation')).toBe(0);
  });

  it('answers 403 for the forbidden entry of a batch and applies the others', async () => {
    const response = await client.fetch(client.url('/tenant/batch'), fhirJson('POST', bundle('batch', entries)));
    expect(response.status).toBe(200);
    const reply = (await response.json()) as {
      entry: Array<{ response: { status: string; outcome?: OperationOutcome } }>;
    };
    expect(reply.entry.map((e) => e.response.status)).toEqual(['201 Created', expect.stringMatching(/^403/)]);
    expect(reply.entry[1]?.response.outcome?.issue[0]).toMatchObject({
      code: 'forbidden',
      details: { coding: [{ system: 'urn:fhir-bulk:error-code', code: 'ACCESS_DENIED' }] },
    });
    expect(await stack.store.countCurrent('batch', 'Patient')).toBe(1);
    expect(await stack.store.countCurrent('batch', 'Observation')).toBe(0);
  });

  it('checks read entries of a batch too', async () => {
    const response = await client.fetch(
      client.url('/'),
      fhirJson('POST', {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: 'Patient/p1' } },
          { request: { method: 'GET', url: 'Observation/o1' } },
        ],
      }),
    );
    const reply = (await response.json()) as { entry: Array<{ response: { status: string } }> };
    expect(reply.entry.map((e) => e.response.status)).toEqual(['200 OK', expect.stringMatching(/^403/)]);
  });
});

describe('tenants', () => {
  it('lets a client use only the tenants it is registered for', async () => {
    const client = await clientWith({ tenants: ['a'] });
    expect((await client.fetch(client.url('/tenant/a/Patient/pa'))).status).toBe(200);
    expect((await client.fetch(client.url('/fhir/tenant/a/Patient/pa'))).status).toBe(200);
    await expectAccessDenied(await client.fetch(client.url('/tenant/b/Patient')));
    await expectAccessDenied(await client.fetch(client.url('/Patient/p1')));
    await expectAccessDenied(
      await client.fetch(client.url('/tenant/b/$export?_type=Patient'), { headers: { Prefer: 'respond-async' } }),
    );
    await expectAccessDenied(
      await client.fetch(client.url('/tenant/b/Patient/pb'), fhirJson('PUT', testResource('Patient', 'pb'))),
    );
    expect(await stack.store.countCurrent('b', 'Patient')).toBe(0);
  });
});

describe('ViewDefinitions', () => {
  it('are resources of type ViewDefinition: a client with only Patient scopes may not read or write them', async () => {
    const client = await clientWith({ scope: 'system/Patient.*' }, 'system/Patient.*');
    await expectAccessDenied(await client.fetch(client.url('/ViewDefinition'), fhirJson('POST', patientView())));
    await expectAccessDenied(
      await client.fetch(client.url('/ViewDefinition/pv'), fhirJson('PUT', { ...patientView('pv'), title: 'changed' })),
    );
    await expectAccessDenied(await client.fetch(client.url('/ViewDefinition/pv'), fhirJson('DELETE')));
    await expectAccessDenied(await client.fetch(client.url('/ViewDefinition/pv')));
    await expectAccessDenied(await client.fetch(client.url('/ViewDefinition')));
    const view = (await (await stack.fetch(`${stack.baseUrl}/ViewDefinition/pv`)).json()) as Record<string, unknown>;
    expect(view).not.toHaveProperty('title');
  });

  it('can be written with ViewDefinition scopes', async () => {
    const client = await clientWith({ scope: 'system/ViewDefinition.cruds' }, 'system/ViewDefinition.cruds');
    expect((await client.fetch(client.url('/ViewDefinition'), fhirJson('POST', patientView()))).status).toBe(201);
    expect((await client.fetch(client.url('/ViewDefinition/pv'))).status).toBe(200);
  });

  it('export only a view over a type the client may read and search', async () => {
    const exportView = (client: ScopedClient) =>
      client.fetch(client.url('/ViewDefinition/pv/$viewdefinition-export'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json', Prefer: 'respond-async' },
        body: JSON.stringify({ resourceType: 'Parameters', parameter: [] }),
      });
    const observations = await clientWith({ scope: 'system/ViewDefinition.read system/Observation.read' });
    await expectAccessDenied(await exportView(observations));
    expect(await stack.store.db.collection('export_jobs').countDocuments({ requestedBy: observations.clientId })).toBe(
      0,
    );
    const patients = await clientWith({ scope: 'system/ViewDefinition.read system/Patient.read' });
    expect((await exportView(patients)).status).toBe(202);
  });

  it('run only over a type the client may read and search', async () => {
    const run = (client: ScopedClient) =>
      client.fetch(client.url('/ViewDefinition/$viewdefinition-run'), fhirJson('POST', runParameters));
    const observations = await clientWith({ scope: 'system/Observation.read' }, 'system/Observation.read');
    await expectAccessDenied(await run(observations));
    const readOnly = await clientWith({ scope: 'system/Patient.r' }, 'system/Patient.r');
    await expectAccessDenied(await run(readOnly));
    const patients = await clientWith({ scope: 'system/Patient.read' }, 'system/Patient.read');
    const rows = await run(patients);
    expect(rows.status).toBe(200);
    expect(await rows.text()).toContain('p1');
  });
});
