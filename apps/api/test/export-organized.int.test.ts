import type { ExportManifest } from '@fhir-bulk/export';
import { bulkLoad } from '@fhir-bulk/store';
import { type BulkStack, pollUntilDone, startBulkStack } from '@fhir-bulk/test-support';

/** `organizeOutputBy=Patient` (IG 3.0): files hold whole patients, each introduced by a `header` Parameters. */
describe.each([
  ['storage-order scans (FerretDB)', { EXPORT_SCAN: 'storage' }],
  ['key-ordered partitions (MongoDB)', { EXPORT_SCAN: 'key', EXPORT_PARTITION_SIZE: '3' }],
])('organizeOutputBy=Patient with %s', (_name, scanEnv) => {
  let stack: BulkStack;
  beforeAll(async () => {
    stack = await startBulkStack({ env: { ...scanEnv, EXPORT_FILE_MAX_RECORDS: 'Patient=7' } });
    const patients = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ resourceType: 'Patient', id }));
    const observations = patients.flatMap(({ id }, i) =>
      Array.from({ length: i + 1 }, (_, n) => ({
        resourceType: 'Observation',
        id: `${id}-obs-${n}`,
        status: 'final',
        code: { text: 'weight' },
        subject: { reference: `Patient/${id}` },
      })),
    );
    const conditions = [{ resourceType: 'Condition', id: 'c-b', subject: { reference: 'Patient/b' } }];
    const practitioner = { resourceType: 'Practitioner', id: 'doc' };
    await bulkLoad(stack.store, 'org', [...patients, ...observations, ...conditions, practitioner]);
  });
  afterAll(() => stack.stop());

  it('writes each patient as a header, the Patient, then its compartment, never split across files', async () => {
    const kickoff = await stack.fetch(
      `${stack.baseUrl}/tenant/org/Patient/$export?_type=Patient,Observation,Condition&organizeOutputBy=Patient`,
      { headers: { Prefer: 'respond-async' } },
    );
    expect(kickoff.status).toBe(202);
    const done = await pollUntilDone(kickoff.headers.get('content-location')!, stack.fetch);
    expect(done.status).toBe(200);
    const manifest = (await done.json()) as ExportManifest;
    expect(manifest.outputOrganizedBy).toBe('Patient');
    expect(manifest.output.length).toBeGreaterThan(1);
    // Files mix types, so entries carry no type.
    for (const entry of manifest.output) expect(entry.type).toBeUndefined();

    const units = new Map<string, string[]>();
    let total = 0;
    for (const entry of manifest.output) {
      const lines = (await (await stack.fetch(entry.url)).text()).trimEnd().split('\n');
      const resources = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      // The SMART bulk-data-client's check: a file holds as many resources as its count, headers aside.
      expect(resources.filter((r) => r.resourceType !== 'Parameters')).toHaveLength(entry.count);
      total += entry.count;
      let current: string[] | undefined;
      for (const resource of resources) {
        if (resource.resourceType === 'Parameters') {
          const ref = (resource.parameter as Array<{ name: string; valueReference: { reference: string } }>)[0]!;
          expect(ref.name).toBe('header');
          expect(units.has(ref.valueReference.reference)).toBe(false);
          current = [];
          units.set(ref.valueReference.reference, current);
          continue;
        }
        expect(current).toBeDefined(); // a unit never starts mid-file without its header
        current!.push(`${resource.resourceType as string}/${resource.id as string}`);
      }
    }
    expect([...units.keys()].sort()).toEqual(['Patient/a', 'Patient/b', 'Patient/c', 'Patient/d', 'Patient/e']);
    expect(units.get('Patient/a')).toEqual(['Patient/a', 'Observation/a-obs-0']);
    expect(units.get('Patient/b')?.sort()).toEqual(
      ['Condition/c-b', 'Observation/b-obs-0', 'Observation/b-obs-1', 'Patient/b'].sort(),
    );
    expect(units.get('Patient/e')).toHaveLength(6);
    // 5 Patients + 15 Observations + 1 Condition (the 5 headers are not counted); the Practitioner is in no
    // compartment.
    expect(total).toBe(21);
  });
});
