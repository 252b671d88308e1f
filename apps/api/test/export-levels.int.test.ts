import type { OperationOutcome } from '@fhir-bulk/fhir';
import { bulkLoad } from '@fhir-bulk/store';
import { type BulkStack, exportAndWait, inSuiteVersion, refsOf, startBulkStack } from '@fhir-bulk/test-support';

// Patient- and Group-level $export (FHIR Bulk Data Access IG 3.0.0), end to end: kick-off over HTTP, the worker
// runs the job, the files are read back through the manifest. Each test has its own tenant holding the data below.
let stack: BulkStack;
beforeAll(async () => {
  stack = await startBulkStack();
});
afterAll(() => stack.stop());

const subject = (id: string) => ({ subject: { reference: `Patient/${id}` } });
const code = { coding: [{ system: 'http://loinc.org', code: '8867-4' }] };

/**
 * Four patients with their compartments, an Observation in no patient's compartment, a Practitioner and an
 * Organization (outside the Patient compartment), and Group g1: p1 and p3 active members, p2 inactive, p4 none.
 */
const clinic = [
  ...['p1', 'p2', 'p3', 'p4'].map((id) => ({ resourceType: 'Patient', id, gender: 'unknown' })),
  { resourceType: 'Observation', id: 'o1', status: 'final', code, ...subject('p1') },
  { resourceType: 'Observation', id: 'o2', status: 'final', code, ...subject('p2') },
  { resourceType: 'Observation', id: 'o3', status: 'final', code, ...subject('p3') },
  { resourceType: 'Observation', id: 'o-nobody', status: 'final', code },
  inSuiteVersion({ resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, ...subject('p1') }),
  { resourceType: 'Practitioner', id: 'dr', name: [{ family: 'Who' }] },
  { resourceType: 'Organization', id: 'org', name: 'Clinic' },
  inSuiteVersion({
    resourceType: 'Group',
    id: 'g1',
    type: 'person',
    actual: true,
    member: [
      { entity: { reference: 'Patient/p1' } },
      { entity: { reference: 'Patient/p2' }, inactive: true },
      { entity: { reference: 'Patient/p3' } },
    ],
  }),
];

const compartments: Record<string, string[]> = {
  p1: ['Patient/p1', 'Observation/o1', 'Encounter/e1'],
  p2: ['Patient/p2', 'Observation/o2'],
  p3: ['Patient/p3', 'Observation/o3'],
  p4: ['Patient/p4'],
};

/** The refs an export limited to these patients holds. Group g1 is in its members' compartments (Group.member). */
const scopeOf = (ids: string[], group = true) =>
  [...ids.flatMap((id) => compartments[id]!), ...(group ? ['Group/g1'] : [])].sort();

let tenantCount = 0;
/** A fresh tenant loaded with the clinic; returns its base path. */
async function clinicTenant(): Promise<string> {
  const tenant = `levels${tenantCount++}`;
  await bulkLoad(stack.store, tenant, clinic);
  return `/tenant/${tenant}`;
}

const patientRef = (id: string) => ({ name: 'patient', valueReference: { reference: `Patient/${id}` } });

/** Kicks off at `path` of `base` (POSTing `parameters`, if any): refused before any job exists. */
async function expectRefused(base: string, path: string, status: number, diagnostics: string, parameters?: object[]) {
  const tenant = base.split('/')[2]!;
  const jobs = () => stack.store.db.collection('export_jobs').countDocuments({ tenant });
  const jobsBefore = await jobs();
  const body = parameters && JSON.stringify({ resourceType: 'Parameters', parameter: parameters });
  const response = await stack.fetch(`${stack.baseUrl}${base}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { Prefer: 'respond-async', ...(body ? { 'Content-Type': 'application/fhir+json' } : {}) },
    body,
  });
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  const outcome = (await response.json()) as OperationOutcome;
  expect(outcome).toMatchObject({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'not-found' }],
  });
  expect(outcome.issue[0]!.diagnostics).toBe(diagnostics);
  expect(await jobs()).toBe(jobsBefore);
}

const expectGroupRefused = (base: string, groupId: string) =>
  expectRefused(base, `/Group/${groupId}/$export`, 404, `Group/${groupId} does not exist`);

describe('Patient/$export', () => {
  it("exports only resources in some patient's compartment, never Practitioner or Organization", async () => {
    const base = await clinicTenant();
    const { manifest, output } = await exportAndWait(stack, `${base}/Patient/$export`);
    expect(refsOf(output)).toEqual(scopeOf(['p1', 'p2', 'p3', 'p4']));
    expect(new Set(manifest.output.map((o) => o.type))).toEqual(
      new Set(['Encounter', 'Group', 'Observation', 'Patient']),
    );
  });

  it('exports the compartments of the patients a POST Parameters body names', async () => {
    const base = await clinicTenant();
    const { output } = await exportAndWait(stack, `${base}/Patient/$export`, {
      parameters: [patientRef('p2'), patientRef('p4'), { name: '_type', valueString: 'Patient,Observation' }],
    });
    expect(refsOf(output)).toEqual(scopeOf(['p2', 'p4'], false));
  });

  it('refuses patients the tenant does not hold: 400 naming them (IG: SHOULD be an error), starting no job', async () => {
    const parameters = [patientRef('p1'), patientRef('nobody')];
    await expectRefused(await clinicTenant(), '/Patient/$export', 400, 'patient Patient/nobody: not known', parameters);
  });
});

describe('Patient/{id}/$export', () => {
  it("exports that one patient's compartment", async () => {
    const base = await clinicTenant();
    const { output } = await exportAndWait(stack, `${base}/Patient/p1/$export`);
    expect(refsOf(output)).toEqual(scopeOf(['p1']));
    expect(output.find((r) => r.id === 'p1')).toMatchObject({ resourceType: 'Patient', gender: 'unknown' });
  });

  it('refuses a patient the tenant does not hold with 404, starting no job', async () => {
    await expectRefused(await clinicTenant(), '/Patient/nobody/$export', 404, 'Patient/nobody does not exist');
  });
});

describe('Group/{id}/$export', () => {
  it("exports only the active members' compartments", async () => {
    const base = await clinicTenant();
    const { manifest, output } = await exportAndWait(stack, `${base}/Group/g1/$export`);
    expect(refsOf(output)).toEqual(scopeOf(['p1', 'p3']));
    expect(manifest.request).toBe(`${stack.baseUrl}${base}/Group/g1/$export`);
  });

  it('limits the members to the patients a POST Parameters body names', async () => {
    const base = await clinicTenant();
    const { output } = await exportAndWait(stack, `${base}/Group/g1/$export`, {
      parameters: [patientRef('p3'), { name: '_type', valueString: 'Patient' }],
    });
    expect(refsOf(output)).toEqual(['Patient/p3']);
  });

  it('refuses patients that are no active members, never adding them: 400 naming them, starting no job', async () => {
    // p2 is an inactive member and p4 no member (IG: "who are not members of the group ... SHOULD" be an error).
    const parameters = [patientRef('p1'), patientRef('p2'), patientRef('p4')];
    const diagnostics = 'patient Patient/p2, Patient/p4: not active members of Group/g1';
    await expectRefused(await clinicTenant(), '/Group/g1/$export', 400, diagnostics, parameters);
  });

  it('refuses at kick-off a Group that does not exist (404), starting no job', async () => {
    await expectGroupRefused(await clinicTenant(), 'nope');
  });

  it('refuses a deleted Group at kick-off', async () => {
    const base = await clinicTenant();
    const deleted = await stack.fetch(`${stack.baseUrl}${base}/Group/g1`, { method: 'DELETE' });
    expect(deleted.status).toBeLessThan(300);
    await expectGroupRefused(base, 'g1');
  });

  it('does not take a Group of another tenant', async () => {
    await clinicTenant();
    await expectGroupRefused('/tenant/empty-levels', 'g1');
  });
});
