import { type BulkStack, fhirClient, startBulkStack, testResource } from '@fhir-bulk/test-support';
import { validateResource } from '@fhir-bulk/validation';
import { randomUUID } from 'node:crypto';

/**
 * `GET [base]/metadata` declares what the server does, and the server does what it declares: every interaction and
 * search parameter of a type works over HTTP with a real token, the Bulk Data operations sit where the IG puts them,
 * and every OperationDefinition the statement names under its own base is served there.
 */
let stack: BulkStack;
let fhir: ReturnType<typeof fhirClient>;
/** A tenant of its own, so the searches below see only this suite's resources. */
const base = `/tenant/cap-${randomUUID()}`;
beforeAll(async () => {
  stack = await startBulkStack({ inProcessWorker: false });
  fhir = fhirClient(`${stack.baseUrl}${base}`, stack.fetch);
});
afterAll(() => stack.stop());

interface SearchParam {
  name: string;
  type: string;
  definition?: string;
}
interface ResourceEntry {
  type: string;
  interaction: Array<{ code: string }>;
  searchParam?: SearchParam[];
  operation?: Array<{ name: string; definition: string }>;
}
interface Statement {
  implementationGuide: string[];
  rest: Array<{
    security?: { service: Array<{ coding: Array<{ system: string; code: string }> }> };
    resource: ResourceEntry[];
    interaction: Array<{ code: string }>;
    operation: Array<{ name: string; definition: string }>;
  }>;
}
interface Bundle {
  resourceType: string;
  type: string;
  total?: number;
  entry?: Array<{ resource?: { id: string }; response?: { status: string } }>;
}

/** The statement as any client reads it: without a token. */
async function statementAt(path: string): Promise<Statement> {
  const response = await fetch(`${stack.baseUrl}${path}/metadata`);
  expect(response.status).toBe(200);
  return (await response.json()) as Statement;
}

const entryOf = (statement: Statement, type: string) => statement.rest[0]!.resource.find((r) => r.type === type)!;
const codes = (entries: Array<{ code: string }>) => entries.map((e) => e.code);

/** Every `definition` anywhere in the statement. */
function definitionsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(definitionsIn);
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === 'definition' && typeof v === 'string' ? [v] : definitionsIn(v),
  );
}

const observation = (code: string) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2024-03-01T10:00:00Z',
});

describe('resource types', () => {
  it('declares the same REST interactions for every type, read and search-type among them, and no type history', async () => {
    const statement = await statementAt(base);
    // AuditEvent, which only the server writes, declares the reads alone (audit-access.int.test.ts).
    const declared = statement.rest[0]!.resource.filter((r) => r.type !== 'AuditEvent').map((r) =>
      codes(r.interaction),
    );
    expect(declared.length).toBeGreaterThan(100);
    for (const interactions of declared) expect(interactions).toEqual(declared[0]);
    expect(declared[0]).toEqual(expect.arrayContaining(['read', 'search-type']));
    expect(declared[0]).not.toContain('history-type');
    expect((await fhir.get('/Observation/_history')).status).toBeGreaterThanOrEqual(400);
  });

  it('does each interaction it declares for Observation, and declares each it does', async () => {
    const declared = codes(entryOf(await statementAt(base), 'Observation').interaction);
    let id = '';
    const runs: Array<[interaction: string, run: () => Promise<{ status: number }>, status: number]> = [
      [
        'create',
        async () => {
          const created = await fhir.post<{ id: string }>('/Observation', observation('1-1'));
          id = created.body.id;
          return created;
        },
        201,
      ],
      ['read', () => fhir.get(`/Observation/${id}`), 200],
      ['update', () => fhir.put(`/Observation/${id}`, { ...observation('1-2'), id }), 200],
      ['vread', () => fhir.get(`/Observation/${id}/_history/1`), 200],
      ['history-instance', () => fhir.get(`/Observation/${id}/_history`), 200],
      ['search-type', () => fhir.get(`/Observation?_id=${id}`), 200],
      ['delete', () => fhir.delete(`/Observation/${id}`), 204],
    ];
    expect(runs.map(([interaction]) => interaction).sort()).toEqual([...declared].sort());
    for (const [interaction, run, status] of runs) {
      expect([interaction, (await run()).status]).toEqual([interaction, status]);
    }
    expect((await fhir.get(`/Observation/${id}`)).status).toBe(410);
  });

  it('accepts every search parameter it declares for Observation and Patient', async () => {
    const statement = await statementAt(base);
    const sample: Record<string, string> = {
      token: 'final',
      reference: 'Patient/p1',
      date: 'ge2024-01-01',
      string: 'Smi',
      number: '5',
    };
    for (const type of ['Observation', 'Patient']) {
      const params = entryOf(statement, type).searchParam ?? [];
      expect(params.length).toBeGreaterThan(5);
      for (const { name, type: kind } of params) {
        const value = name === '_summary' ? 'count' : sample[kind];
        expect(value).toBeDefined();
        const search = await fhir.get<Bundle>(`/${type}?${new URLSearchParams({ [name]: value! })}`);
        expect([type, name, search.status, search.body.type]).toEqual([type, name, 200, 'searchset']);
      }
    }
  });

  it('finds by a declared Observation parameter what it was given, and _summary=count answers the total alone', async () => {
    const params = entryOf(await statementAt(base), 'Observation').searchParam ?? [];
    expect(params).toContainEqual({
      name: 'code',
      type: 'token',
      definition: 'http://hl7.org/fhir/SearchParameter/clinical-code',
    });
    const wanted = await fhir.post<{ id: string }>('/Observation', observation('8867-4'));
    expect((await fhir.post('/Observation', observation('8310-5'))).status).toBe(201);
    const found = await fhir.get<Bundle>('/Observation?code=http://loinc.org|8867-4');
    expect(found.body.entry?.map((e) => e.resource?.id)).toEqual([wanted.body.id]);
    const counted = await fhir.get<Bundle>('/Observation?code=http://loinc.org|8867-4&_summary=count');
    expect(counted.body).toMatchObject({ total: 1 });
    expect(counted.body.entry ?? []).toEqual([]);
  });

  it('refuses a search parameter it does not declare', async () => {
    const names = (entryOf(await statementAt(base), 'Patient').searchParam ?? []).map((p) => p.name);
    expect(names).not.toContain('address-city');
    expect((await fhir.get('/Patient?address-city=Boston')).status).toBe(400);
  });
});

describe('the whole system', () => {
  it('processes each Bundle type it declares as a system interaction', async () => {
    const declared = codes((await statementAt(base)).rest[0]!.interaction);
    expect(declared).toEqual(['transaction', 'batch']);
    for (const type of declared) {
      const patient = testResource('Patient', `${type}-p`);
      const bundle = {
        resourceType: 'Bundle',
        type,
        entry: [{ resource: patient, request: { method: 'PUT', url: `Patient/${type}-p` } }],
      };
      const reply = await fhir.post<Bundle>('/', bundle);
      expect([reply.status, reply.body.type]).toEqual([200, `${type}-response`]);
      expect(reply.body.entry?.[0]?.response?.status).toMatch(/^201/);
    }
  });

  it('declares the Bulk Data export operations on the system, Patient and Group', async () => {
    const statement = await statementAt(base);
    const ig = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';
    expect(statement.rest[0]!.operation).toContainEqual(
      expect.objectContaining({ name: 'export', definition: `${ig}/export` }),
    );
    expect(entryOf(statement, 'Patient').operation).toEqual([{ name: 'export', definition: `${ig}/patient-export` }]);
    expect(entryOf(statement, 'Group').operation).toEqual([{ name: 'export', definition: `${ig}/group-export` }]);
  });

  it('has rest.security with the SMART service, as authorization is on', async () => {
    const security = (await statementAt(base)).rest[0]!.security;
    expect(security?.service.flatMap((s) => s.coding)).toContainEqual({
      system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
      code: 'SMART-on-FHIR',
    });
    expect((await fetch(`${stack.baseUrl}${base}/Patient`)).status).toBe(401);
  });
});

const BULK_DATA_IG = 'http://hl7.org/fhir/uv/bulkdata/ImplementationGuide/hl7.fhir.uv.bulkdata';
const SQL_ON_FHIR_IG = 'http://sql-on-fhir.org/ig';
const BULK_DATA = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';

/**
 * The OperationDefinitions the IGs publish, by canonical URL (Bulk Data IG 3.0.0 and 4.0.0-ballot; SQL on FHIR v2):
 * the IG, the operation's code, and where it is invoked (`instance`: on a resource of the entry's type).
 */
const PUBLISHED: Record<string, { ig: string; code: string; level: 'system' | 'type' | 'instance' }> = {
  [`${BULK_DATA}/export`]: { ig: BULK_DATA_IG, code: 'export', level: 'system' },
  [`${BULK_DATA}/patient-export`]: { ig: BULK_DATA_IG, code: 'export', level: 'type' },
  [`${BULK_DATA}/group-export`]: { ig: BULK_DATA_IG, code: 'export', level: 'instance' },
  [`${BULK_DATA}/bulk-submit`]: { ig: BULK_DATA_IG, code: 'bulk-submit', level: 'system' },
  [`${BULK_DATA}/bulk-submit-status`]: { ig: BULK_DATA_IG, code: 'bulk-submit-status', level: 'system' },
  'http://sql-on-fhir.org/OperationDefinition/$viewdefinition-run': {
    ig: SQL_ON_FHIR_IG,
    code: 'viewdefinition-run',
    level: 'system',
  },
  'http://sql-on-fhir.org/OperationDefinition/$viewdefinition-export': {
    ig: SQL_ON_FHIR_IG,
    code: 'viewdefinition-export',
    level: 'system',
  },
};

/** Every operation the statement declares, with the type of the resource entry it sits on (none: system level). */
const operationsIn = (statement: Statement) => [
  ...statement.rest[0]!.operation.map((operation) => ({ ...operation, type: undefined })),
  ...statement.rest[0]!.resource.flatMap((r) =>
    (r.operation ?? []).map((operation) => ({ ...operation, type: r.type })),
  ),
];

describe('OperationDefinitions', () => {
  it.each(['', '/tenant/x', '/fhir/tenant/x'])(
    'serves, without a token, every OperationDefinition the statement names under its own base, on [base]=%s',
    async (path) => {
      const statement = await statementAt(path);
      const own = definitionsIn(statement).filter((url) => url.startsWith(`${stack.baseUrl}${path}/`));
      expect(own).toContain(`${stack.baseUrl}${path}/OperationDefinition/import`);
      for (const url of own) {
        const response = await fetch(url);
        expect([url, response.status]).toEqual([url, 200]);
        expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
        const definition = (await response.json()) as { resourceType: string; url: string };
        expect(definition).toMatchObject({ resourceType: 'OperationDefinition', url });
        expect(validateResource(definition)).toEqual([]);
      }
    },
  );

  it('names every definition it does not serve by the canonical URL an IG it lists publishes, with that operation code', async () => {
    const statement = await statementAt(base);
    const others = operationsIn(statement).filter((o) => !o.definition.startsWith(`${stack.baseUrl}${base}/`));
    expect(others.length).toBeGreaterThan(0);
    for (const { name, definition } of others) {
      const published = PUBLISHED[definition];
      expect([definition, published !== undefined]).toEqual([definition, true]);
      expect([definition, name]).toEqual([definition, published!.code]);
      expect(statement.implementationGuide).toContain(published!.ig);
    }
  });

  it('routes every operation it declares: each answers its own 4XX to an empty Parameters, none "no route"', async () => {
    for (const { name, definition, type } of operationsIn(await statementAt(base))) {
      const level = PUBLISHED[definition]?.level ?? 'system';
      const path = level === 'system' ? '' : level === 'type' ? `/${type}` : `/${type}/cap-unknown`;
      // No Prefer header and no required parameter: every kick-off is refused before a job could start.
      const reply = await fhir.post<{ issue?: Array<{ diagnostics?: string }> }>(`${path}/$${name}`, {
        resourceType: 'Parameters',
      });
      const answer = `${definition} at ${path}/$${name}: ${reply.status} ${reply.body?.issue?.[0]?.diagnostics}`;
      expect(answer).toMatch(/: 4\d\d (?!No route for)/);
    }
  });

  it('describes $import with the parameters a kick-off takes', async () => {
    const definition = (await (await fetch(`${stack.baseUrl}${base}/OperationDefinition/import`)).json()) as {
      code: string;
      system: boolean;
      parameter: Array<{ name: string; min: number; part?: Array<{ name: string; min: number }> }>;
    };
    expect(definition).toMatchObject({ code: 'import', system: true });
    expect(definition.parameter.map((p) => [p.name, p.min])).toEqual([
      ['inputFormat', 1],
      ['inputSource', 0],
      ['storageDetail', 0],
      ['mode', 0],
      ['input', 1],
    ]);
    const input = definition.parameter.find((p) => p.name === 'input');
    expect(input?.part?.map((p) => [p.name, p.min])).toEqual([
      ['type', 1],
      ['url', 1],
      ['etag', 0],
    ]);
  });
});
