import type { OperationOutcome } from '@fhir-bulk/fhir';
import { outcomeIssue } from '@fhir-bulk/test-support/src/outcome-issue';
import { type RouteApp, startRouteApp } from '@fhir-bulk/test-support/src/route-app';

// The kick-off's HTTP protocol in-process, against fake jobs (export-kickoff.int.test.ts runs it on the real stack).
let app: RouteApp;
let token: string;
beforeAll(async () => {
  app = await startRouteApp();
  token = app.tokens.issue();
});
afterAll(() => app.stop());

const ASYNC = { Prefer: 'respond-async', Accept: 'application/fhir+json' };
const FHIR_JSON = { ...ASYNC, 'Content-Type': 'application/fhir+json' };

const kickoffGet = (path: string, headers: Record<string, string> = ASYNC, as = token) =>
  app.request(path, as, { headers });

const kickoffPost = (body: string, headers: Record<string, string> = FHIR_JSON) =>
  app.request('/$export', token, { method: 'POST', headers, body });

/** The OperationOutcome issue of a refusal, which sends no status URL. */
async function refusal(response: Response, status: number): Promise<OperationOutcome['issue'][number]> {
  expect(response.headers.get('content-location')).toBeNull();
  return outcomeIssue(response, status);
}

describe('kick-off', () => {
  it('answers 202 with the status URL and starts the job with the request, its tenant and its client', async () => {
    const response = await kickoffGet('/$export?_type=Patient,Observation&_since=2024-01-01T00:00:00Z');
    expect(response.status).toBe(202);
    const location = response.headers.get('content-location')!;
    expect(location).toMatch(new RegExp(`^${app.baseUrl}/_export/[0-9a-f-]{36}$`));
    expect(await response.text()).toBe('');
    expect(app.exports.started.at(-1)).toMatchObject({
      jobId: location.split('/').pop(),
      level: 'system',
      tenant: 'default',
      types: ['Patient', 'Observation'],
      since: '2024-01-01T00:00:00.000Z',
      requestUrl: `${app.baseUrl}/$export?_type=Patient,Observation&_since=2024-01-01T00:00:00Z`,
      baseUrl: app.baseUrl,
      requiresAccessToken: true,
      requestedBy: 'bulk-client',
    });
  });

  it.each([
    ['/tenant/acme', 'acme'],
    ['/fhir', 'default'],
    ['/fhir/tenant/acme', 'acme'],
  ])('answers under the [base] %s and exports its tenant', async (base, tenant) => {
    const response = await kickoffGet(`${base}/Patient/$export`);
    expect(response.headers.get('content-location')).toMatch(new RegExp(`^${app.baseUrl}${base}/_export/`));
    expect(app.exports.started.at(-1)).toMatchObject({ level: 'patient', tenant, baseUrl: `${app.baseUrl}${base}` });
  });

  it('reads the parameters of a POST Parameters body', async () => {
    const parameter = [
      { name: '_type', valueString: 'Observation' },
      { name: 'allowPartialManifests', valueBoolean: true },
    ];
    const response = await kickoffPost(JSON.stringify({ resourceType: 'Parameters', parameter }));
    expect(response.status).toBe(202);
    expect(app.exports.started.at(-1)).toMatchObject({ types: ['Observation'], allowPartialManifests: true });
  });
});

// What HTTP itself carries (headers, body media type and syntax) and one parameter error: the parameters' own rules
// are unit-tested in packages/export (kickoff*.test.ts).
describe('kick-off errors', () => {
  const FORM = { ...ASYNC, 'Content-Type': 'application/x-www-form-urlencoded' };
  it.each([
    { what: 'no Prefer: respond-async', send: () => kickoffGet('/$export', {}), expected: [400, 'invalid', 'Prefer'] },
    {
      what: 'an Accept that allows neither FHIR JSON nor JSON',
      send: () => kickoffGet('/$export', { ...ASYNC, Accept: 'text/csv' }),
      expected: [406, 'not-supported', 'Accept'],
    },
    { what: 'a form body', send: () => kickoffPost('_type=Patient', FORM), expected: [415, 'not-supported'] },
    { what: 'a body that is no JSON', send: () => kickoffPost('{"parameter": ['), expected: [400, 'invalid'] },
    {
      what: 'a body that is no Parameters',
      send: () => kickoffPost('{"resourceType":"Bundle"}'),
      expected: [400, 'invalid'],
    },
    { what: 'a type FHIR R4 lacks', send: () => kickoffGet('/$export?_type=Foo'), expected: [400, 'invalid', '_type'] },
  ] as const)('answers an OperationOutcome to $what and starts nothing', async ({ send, expected }) => {
    const [status, code, expression] = expected;
    const before = app.exports.started.length;
    const issue = await refusal(await send(), status);
    expect(issue).toMatchObject({ severity: 'error', code });
    expect(issue.expression).toEqual(expression && [expression]);
    expect(app.exports.started).toHaveLength(before);
  });
});

describe('kick-off authorization', () => {
  it.each<[string, Record<string, string>, string]>([
    ['no token', {}, 'Bearer realm="fhir-bulk"'],
    ['an unknown token', { Authorization: 'Bearer never-issued' }, 'Bearer realm="fhir-bulk", error="invalid_token"'],
    ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }, 'Bearer realm="fhir-bulk", error="invalid_token"'],
  ])('answers 401 with a Bearer challenge to %s', async (_what, authorization, challenge) => {
    const response = await app.request('/$export', undefined, { headers: { ...ASYNC, ...authorization } });
    expect((await refusal(response, 401)).code).toBe('login');
    expect(response.headers.get('www-authenticate')).toBe(challenge);
  });

  it.each<[string, Parameters<RouteApp['tokens']['issue']>[0], string]>([
    ['a client without bulk-export/read', { permissions: ['bulk-import/write'] }, '/$export'],
    ['a client of other tenants', { tenants: ['acme'] }, '/tenant/other/$export'],
    ['a _type the client may not read', { scope: 'system/Patient.rs' }, '/$export?_type=Patient,Observation'],
    ['a type the client may read but not search', { scope: 'system/Patient.r' }, '/$export?_type=Patient'],
  ])('answers 403 to %s and starts nothing', async (_what, grant, path) => {
    const before = app.exports.started.length;
    const response = await kickoffGet(path, ASYNC, app.tokens.issue(grant));
    expect((await refusal(response, 403)).code).toBe('forbidden');
    expect(app.exports.started).toHaveLength(before);
  });
});
