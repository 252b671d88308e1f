import { bulkLoad } from '@fhir-bulk/store';
import {
  type BulkStack,
  type ExportedLine,
  fhirClient,
  instantBetweenWrites,
  refsOf,
  startBulkStack,
} from '@fhir-bulk/test-support';
import { CLINIC, compartmentsOf, LEVELS, PATIENT_LEVELS, scopeOf, seedClinic } from './levels';
import { clientWithScope, expectOutcome, exportCompleted, kickoff, type KickoffOptions, linesOf } from './protocol';

/**
 * Bulk Data Access IG 3.0.0, kick-off "Query Parameters": what each parameter the server supports does to the
 * exported data, at each kick-off level (https://hl7.org/fhir/uv/bulkdata/STU3/export.html#query-parameters).
 */
let stack: BulkStack;
let base = '';
/** A second clinic, changed after t1 (o1, p2) and after t2 (o3), for _since and _until. */
let changed = '';
const instants = { t1: '', t2: '' };
beforeAll(async () => {
  stack = await startBulkStack({ env: { EXPORT_MAX_CONCURRENT_PER_TENANT: '100' } });
  base = await seedClinic(stack, 'parameters');
  changed = await seedClinic(stack, 'parameters-changed');
  const rest = fhirClient(`${stack.baseUrl}${changed}`, stack.fetch);
  const amended = (id: string) => ({ ...CLINIC.find((r) => r.id === id)!, status: 'amended' });
  instants.t1 = await instantBetweenWrites();
  for (const resource of [amended('o1'), { ...CLINIC.find((r) => r.id === 'p2')!, gender: 'male' }]) {
    expect((await rest.put(`/${resource.resourceType}/${resource.id}`, resource)).status).toBe(200);
  }
  instants.t2 = await instantBetweenWrites();
  expect((await rest.put('/Observation/o3', amended('o3'))).status).toBe(200);
});
afterAll(() => stack.stop());

/** The lines of every output file of a completed export at `path`. */
async function exported(path: string, options?: KickoffOptions): Promise<ExportedLine[]> {
  const { manifest } = await exportCompleted(stack, path, options);
  return linesOf(stack, manifest, manifest.output);
}

describe.each(LEVELS)('$name level', (level) => {
  const at = (query = '', tenantBase = base) => `${tenantBase}${level.path}${query}`;

  it('KP-01 _outputFormat: SHALL accept application/fhir+ndjson, application/ndjson and ndjson', async () => {
    const formats = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];
    const exports = await Promise.all(
      formats.map((format) => exported(at(`?_type=Patient&_outputFormat=${encodeURIComponent(format)}`))),
    );
    for (const lines of exports) expect(refsOf(lines)).toEqual(scopeOf(level, ['Patient']));
  });

  it('KP-02 _type: the response SHALL be filtered to only the types listed', async () => {
    const { manifest } = await exportCompleted(stack, at('?_type=Patient,Condition'));
    expect(new Set(manifest.output.map((entry) => entry.type))).toEqual(new Set(['Patient', 'Condition']));
    expect(refsOf(await linesOf(stack, manifest, manifest.output))).toEqual(scopeOf(level, ['Patient', 'Condition']));
  });

  it('KP-03 _type repeated: SHALL be treated as comma-delimited values of one parameter', async () => {
    const lines = await exported(at('?_type=Patient&_type=Condition'));
    expect(refsOf(lines)).toEqual(scopeOf(level, ['Patient', 'Condition']));
  });

  const omitted =
    level.name === 'system'
      ? 'KP-04 _type omitted: SHALL return all supported resources within the client authorization'
      : 'KP-04 _type omitted: the Patient compartment (SHOULD), Patient resources included (SHOULD)';
  it(omitted, async () => {
    expect(refsOf(await exported(at()))).toEqual(level.scope);
  });

  it('KP-05 _since: only resources changed after the instant (SHALL support)', async () => {
    const lines = await exported(at(`?_since=${encodeURIComponent(instants.t1)}`, changed));
    expect(refsOf(lines)).toEqual(
      level.scope.filter((ref) => ['Observation/o1', 'Observation/o3', 'Patient/p2'].includes(ref)),
    );
    // Only the current version of a changed resource.
    expect(lines.find((r) => r.id === 'o1')).toMatchObject({ status: 'amended', meta: { versionId: '2' } });
  });

  it('KP-06 _until (optional, supported): only resources changed before the instant', async () => {
    const window = `?_since=${encodeURIComponent(instants.t1)}&_until=${encodeURIComponent(instants.t2)}`;
    const lines = await exported(at(window, changed));
    expect(refsOf(lines)).toEqual(level.scope.filter((ref) => ['Observation/o1', 'Patient/p2'].includes(ref)));
  });

  it('KP-07 _elements: unlisted non-mandatory elements omitted (SHOULD), mandatory ones kept (SHOULD), SUBSETTED (SHOULD)', async () => {
    const lines = await exported(at('?_type=Patient,Observation&_elements=Patient.gender,valueQuantity'));
    expect(refsOf(lines)).toEqual(scopeOf(level, ['Patient', 'Observation']));
    for (const resource of lines) {
      // valueQuantity, listed without a type, applies where it exists; Observation.status and code are mandatory.
      const kept = resource.resourceType === 'Patient' ? ['gender'] : ['code', 'status', 'valueQuantity'];
      expect(Object.keys(resource).sort()).toEqual([...kept, 'id', 'meta', 'resourceType'].sort());
      expect((resource.meta as { tag?: unknown[] }).tag).toContainEqual(expect.objectContaining({ code: 'SUBSETTED' }));
    }
  });

  it('KP-08 _typeFilter: SHALL filter the named type, OR the queries of one type, and leave other types unfiltered', async () => {
    const filters = ['Observation?code=http://example.org/codes|a', 'Observation?status=preliminary']
      .map((query) => `_typeFilter=${encodeURIComponent(query)}`)
      .join('&');
    const lines = await exported(at(`?_type=Observation,Condition&${filters}`));
    const wanted = ['Observation/o1', 'Observation/o3', 'Observation/o4', 'Condition/c1'];
    expect(refsOf(lines)).toEqual(level.scope.filter((ref) => wanted.includes(ref)));
  });
});

describe.each(LEVELS)('$name level: authorization (#bulk-data-kick-off-request)', (level) => {
  it('KP-12 SHALL limit the data to what the client is authorized for: a Patient-only token exports Patient alone, the rest named in error', async () => {
    const patientOnly = clientWithScope(stack, 'system/Patient.read');
    const client = { baseUrl: stack.baseUrl, fetch: patientOnly.fetch };
    const { manifest } = await exportCompleted(client, `${base}${level.path}`);
    expect(refsOf(await linesOf(client, manifest, manifest.output))).toEqual(scopeOf(level, ['Patient']));
    const [outcome] = await linesOf(client, manifest, manifest.error);
    expect(outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
  });
});

describe.each(LEVELS)('$name level: Provenance (#query-parameters, the note after the table)', (level) => {
  // prov1 is about o1 (p1's), prov4 about o4 (p3's): each in the compartment of a patient through its target.
  const provenance = (id: string, target: string) => ({
    resourceType: 'Provenance',
    id,
    target: [{ reference: target }],
    recorded: '2024-01-01T00:00:00Z',
    agent: [{ who: { reference: 'Practitioner/dr' } }],
  });
  let withProvenance = '';
  beforeAll(async () => {
    withProvenance = await seedClinic(stack, 'parameters-provenance');
    await bulkLoad(stack.store, 'parameters-provenance', [
      provenance('prov1', 'Observation/o1'),
      provenance('prov4', 'Observation/o4'),
    ]);
  });

  it('KP-11 without includeAssociatedData: SHALL include all Provenance whose target is in the exported compartments (all, at system level)', async () => {
    const lines = await exported(`${withProvenance}${level.path}?_type=Observation,Provenance`);
    const about = { 'Provenance/prov1': 'Observation/o1', 'Provenance/prov4': 'Observation/o4' };
    const provenances = Object.entries(about).filter(([, target]) => level.scope.includes(target));
    expect(refsOf(lines)).toEqual([...scopeOf(level, ['Observation']), ...provenances.map(([ref]) => ref)].sort());
  });

  it('KP-11 with organizeOutputBy=Patient: each such Provenance in the block of the patient its target belongs to', async () => {
    const query = '?_type=Patient,Observation,Provenance&organizeOutputBy=Patient';
    const blockOf: Array<[string, string]> = [];
    let patient = '';
    for (const line of await exported(`${withProvenance}${level.path}${query}`)) {
      const header = (line.parameter as Array<{ valueReference?: { reference?: string } }> | undefined)?.[0];
      if (line.resourceType === 'Parameters') patient = header?.valueReference?.reference ?? '';
      else if (line.resourceType === 'Provenance') blockOf.push([`Provenance/${line.id}`, patient]);
    }
    const expected: Array<[string, string, string]> = [
      ['Provenance/prov1', 'Patient/p1', 'Observation/o1'],
      ['Provenance/prov4', 'Patient/p3', 'Observation/o4'],
    ];
    const inScope = expected.filter(([, , target]) => level.scope.includes(target));
    expect(blockOf.sort()).toEqual(inScope.map(([ref, owner]) => [ref, owner]));
  });
});

describe.each(PATIENT_LEVELS)('$name level: the patient parameter (POST)', (level) => {
  const patient = (id: string) => ({ name: 'patient', valueReference: { reference: `Patient/${id}` } });

  it('KP-09 SHALL NOT return resources in the compartments of patients outside the list', async () => {
    const parameters = [patient('p1'), { name: '_type', valueString: 'Patient,Observation,Condition' }];
    const lines = await exported(`${base}${level.path}`, { parameters });
    expect(refsOf(lines)).toEqual(compartmentsOf(['p1']).filter((ref) => !ref.startsWith('Group/')));
  });

  const absent = level.name === 'Group' ? ['p3', 'nobody'] : ['nobody'];
  it.each(absent)(
    'KP-10 patient %s, not on the server or not in the Group: SHOULD be an error response with an OperationOutcome',
    async (id) => {
      await expectOutcome(await kickoff(stack, `${base}${level.path}`, { parameters: [patient('p1'), patient(id)] }));
    },
  );
});
