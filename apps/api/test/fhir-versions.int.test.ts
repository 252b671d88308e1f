import { importKickoffBody, type ImportResult } from '@fhir-bulk/import';
import { generatePopulation, loadPopulation } from '@fhir-bulk/sample-data';
import {
  type BulkStack,
  exportAndWait,
  type ExportedLine,
  fhirClient,
  pollUntilDone,
  putInput,
  r5DeviceUsage,
  r5Encounter,
  r5MedicationRequest,
  r5Patient,
  refsOf,
  startBulkStack,
  startImport,
} from '@fhir-bulk/test-support';

/**
 * Tenants of two FHIR versions on one server (issue 15): `clinic-r5` speaks R5 by TENANT_FHIR_VERSIONS, the others
 * the default R4. Each answers with its own version's types, schema, search parameters and compartment, and
 * neither sees the other's data. Through the real API, worker, FerretDB and S3.
 */
let stack: BulkStack;
let fhir: ReturnType<typeof fhirClient>;
beforeAll(async () => {
  stack = await startBulkStack({
    env: { TENANT_FHIR_VERSIONS: 'clinic-r5=5.0.0,copy-r5=5.0.0,seed-r5=5.0.0,seed-copy-r5=5.0.0' },
  });
  fhir = fhirClient(stack.baseUrl, stack.fetch);
});
afterAll(() => stack.stop());

const R5 = '/tenant/clinic-r5';
const R4 = '/tenant/clinic-r4';

interface Outcome {
  resourceType: 'OperationOutcome';
  issue: Array<{ code: string; diagnostics: string; expression?: string[] }>;
}

const [patient, encounter] = [r5Patient, r5Encounter];
const r5Resources = [r5Patient, r5Encounter, r5MedicationRequest, r5DeviceUsage];

async function putAll(base: string, resources: ReadonlyArray<{ resourceType: string; id: string }>) {
  for (const resource of resources) {
    const reply = await fhir.put(`${base}/${resource.resourceType}/${resource.id}`, resource);
    expect({ ref: `${resource.resourceType}/${resource.id}`, status: reply.status }).toMatchObject({ status: 201 });
  }
}

/** A resource as compared across a round trip: without `meta`, which the server writes. */
const withoutMeta = ({ meta: _meta, ...rest }: Record<string, unknown>) => rest;

describe('an R5 tenant beside an R4 one', () => {
  beforeAll(() => putAll(R5, r5Resources));

  it('describes itself as FHIR 5.0.0 with R5 types, the R4 tenant as 4.0.1', async () => {
    const r5 = await fhir.get<{ fhirVersion: string; rest: Array<{ resource: Array<{ type: string }> }> }>(
      `${R5}/metadata`,
    );
    expect(r5.body.fhirVersion).toBe('5.0.0');
    const r5Types = r5.body.rest[0]!.resource.map((r) => r.type);
    expect(r5Types).toContain('DeviceUsage');
    expect(r5Types).not.toContain('DeviceUseStatement');
    const r4 = await fhir.get<{ fhirVersion: string; rest: Array<{ resource: Array<{ type: string }> }> }>(
      `${R4}/metadata`,
    );
    expect(r4.body.fhirVersion).toBe('4.0.1');
    expect(r4.body.rest[0]!.resource.map((r) => r.type)).toContain('DeviceUseStatement');
    // A client asking the R4 tenant for R5 learns it cannot have it.
    const accept = { Accept: 'application/fhir+json; fhirVersion=5.0' };
    expect((await fhir.get(`${R4}/metadata`, accept)).status).toBe(406);
    expect((await fhir.get(`${R5}/metadata`, accept)).status).toBe(200);
  });

  it('stores R5 resources as written and refuses them on the R4 tenant', async () => {
    const read = await fhir.get<Record<string, unknown>>(`${R5}/Encounter/enc-1`);
    expect(read.status).toBe(200);
    expect(withoutMeta(read.body)).toEqual(encounter);
    const refused = await fhir.put<Outcome>(`${R4}/Encounter/enc-1`, encounter);
    expect(refused.status).toBe(400);
    expect(refused.body.issue.map((i) => i.expression?.[0])).toContain('Encounter.actualPeriod');
    expect((await fhir.get(`${R4}/DeviceUsage/du-1`)).status).toBe(404);
    expect((await fhir.get(`${R5}/DeviceUseStatement/x`)).status).toBe(404);
  });

  it('never shows one tenant the other’s data', async () => {
    await putAll(R4, [{ ...patient, id: 'pat-r4' }]);
    expect((await fhir.get(`${R4}/Patient/pat-1`)).status).toBe(404);
    expect((await fhir.get(`${R5}/Patient/pat-r4`)).status).toBe(404);
    const r5Patients = await fhir.get<{ entry?: Array<{ resource: { id: string } }> }>(`${R5}/Patient`);
    expect(r5Patients.body.entry?.map((e) => e.resource.id)).toEqual(['pat-1']);
  });

  it("searches by R5's parameters: Encounter date from actualPeriod, a medication's concept, DeviceUsage patient", async () => {
    const ids = async (path: string) =>
      ((await fhir.get<{ entry?: Array<{ resource: { id: string } }> }>(`${R5}/${path}`)).body.entry ?? []).map(
        (e) => e.resource.id,
      );
    expect(await ids('Encounter?date=2026-01-01')).toEqual(['enc-1']);
    expect(await ids('Encounter?date=2025')).toEqual([]);
    expect(await ids('Encounter?patient=Patient/pat-1')).toEqual(['enc-1']);
    expect(await ids('MedicationRequest?code=http://www.nlm.nih.gov/research/umls/rxnorm|197361')).toEqual(['mr-1']);
    expect(await ids('DeviceUsage?patient=Patient/pat-1')).toEqual(['du-1']);
  });

  it('refuses media types of another version: 415 for the body, 406 for Accept', async () => {
    const body = await fhir.put<Outcome>(
      `${R5}/Patient/pat-2`,
      { ...patient, id: 'pat-2' },
      {
        'Content-Type': 'application/fhir+json; fhirVersion=4.0',
      },
    );
    expect(body.status).toBe(415);
    expect(body.body.issue[0]!.diagnostics).toContain('this tenant speaks FHIR 5.0.0');
    const accept = await fhir.get<Outcome>(`${R5}/Patient/pat-1`, { Accept: 'application/fhir+json; fhirVersion=4.0' });
    expect(accept.status).toBe(406);
    expect((await fhir.get(`${R5}/Patient/pat-1`, { Accept: 'application/fhir+json; fhirVersion=5.0' })).status).toBe(
      200,
    );
    expect((await fhir.get(`${R5}/Patient/pat-2`)).status).toBe(404); // the refused write changed nothing
  });

  it('refuses an R4 type in an export of the R5 tenant, naming it', async () => {
    const response = await stack.fetch(`${stack.baseUrl}${R5}/$export?_type=Patient,DeviceUseStatement`, {
      headers: { Prefer: 'respond-async' },
    });
    expect(response.status).toBe(400);
    const outcome = (await response.json()) as Outcome;
    expect(outcome.issue[0]!.diagnostics).toBe(
      '_type names types that are not FHIR 5.0.0 resource types: DeviceUseStatement',
    );
  });

  it("runs ViewDefinitions under the R5 model: R5's types and elements, stored and run", async () => {
    const view = {
      resourceType: 'ViewDefinition',
      name: 'device_usage',
      status: 'active',
      resource: 'DeviceUsage',
      select: [
        {
          column: [
            { name: 'id', path: 'id' },
            { name: 'patient', path: 'patient.reference' },
          ],
        },
      ],
    };
    const encounterView = {
      resourceType: 'ViewDefinition',
      name: 'encounter_class',
      status: 'active',
      resource: 'Encounter',
      select: [
        {
          column: [
            { name: 'id', path: 'id' },
            { name: 'start', path: 'actualPeriod.start' },
          ],
        },
        { forEach: 'class.coding', column: [{ name: 'class', path: 'code' }] },
      ],
    };
    expect((await fhir.put(`${R5}/ViewDefinition/device-usage`, { ...view, id: 'device-usage' })).status).toBe(201);
    const refused = await fhir.put<Outcome>(`${R4}/ViewDefinition/device-usage`, { ...view, id: 'device-usage' });
    expect(refused.status).toBe(400);
    expect(refused.body.issue[0]!.diagnostics).toContain('DeviceUsage is not a R4 resource type');
    const run = async (viewResource: unknown) => {
      const response = await stack.fetch(`${stack.baseUrl}${R5}/ViewDefinition/$viewdefinition-run`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json', Accept: 'application/json' },
        body: JSON.stringify({
          resourceType: 'Parameters',
          parameter: [{ name: 'viewResource', resource: viewResource }],
        }),
      });
      expect(response.status).toBe(200);
      return response.json();
    };
    expect(await run(view)).toEqual([{ id: 'du-1', patient: 'Patient/pat-1' }]);
    expect(await run(encounterView)).toEqual([{ id: 'enc-1', start: '2026-01-01T10:00:00Z', class: 'AMB' }]);
  });

  it('exports the R5 compartment at Patient level, and round-trips through $import into another R5 tenant', async () => {
    const exported = await exportAndWait(stack, `${R5}/Patient/$export`);
    expect(refsOf(exported.output)).toEqual(
      ['DeviceUsage/du-1', 'Encounter/enc-1', 'MedicationRequest/mr-1', 'Patient/pat-1'].sort(),
    );
    expect(await importAsR5('copy-r5', exported.output)).toEqual([]);
    for (const resource of r5Resources) {
      const copy = await fhir.get<Record<string, unknown>>(`/tenant/copy-r5/${resource.resourceType}/${resource.id}`);
      expect(withoutMeta(copy.body)).toEqual(resource);
    }
    // The same NDJSON, said to be R5, is refused by an R4 tenant before any job starts.
    const refused = await stack.fetch(`${stack.baseUrl}${R4}/$import`, {
      method: 'POST',
      headers: { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(r5ImportBody([{ type: 'Patient', url: 's3://x/clinic-r4/p.ndjson' }])),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Outcome).issue[0]!.diagnostics).toBe(
      'inputFormat application/fhir+ndjson; fhirVersion=5.0 names FHIR 5.0.0, but this tenant speaks FHIR 4.0.1',
    );
  });
});

describe('the R5 sample population', () => {
  it('round-trips: seeded in R5, exported, imported into a fresh R5 tenant, every resource identical but meta', async () => {
    const population = { patients: 15, seed: 3 };
    await loadPopulation(stack.store, 'seed-r5', population);
    const types = ['Patient', 'Encounter', 'Observation', 'Condition', 'MedicationRequest', 'Group'];
    const exported = await exportAndWait(stack, `/tenant/seed-r5/$export?_type=${types.join(',')}`);
    expect(await importAsR5('seed-copy-r5', exported.output)).toEqual([]);

    const generated = [...generatePopulation({ ...population, fhirVersion: '5.0.0' })];
    expect(generated.filter((r) => r.resourceType === 'Encounter').every((r) => Array.isArray(r.class))).toBe(true);
    const copied: unknown[] = [];
    for (const type of types) {
      for await (const doc of stack.store.streamCurrent('seed-copy-r5', type)) copied.push(withoutMeta(doc.resource));
    }
    const byRef = (resources: unknown[]) =>
      resources.map((r) => r as { resourceType: string; id: string }).sort((a, b) => ref(a).localeCompare(ref(b)));
    expect(byRef(copied)).toEqual(byRef(generated));
  });
});

const ref = (r: { resourceType: string; id: string }) => `${r.resourceType}/${r.id}`;

/** An $import kick-off whose inputFormat says the files are FHIR R5 NDJSON. */
function r5ImportBody(inputs: Array<{ type: string; url: string }>) {
  const kickoff = importKickoffBody(inputs);
  const ndjsonOfR5 = { name: 'inputFormat', valueString: 'application/fhir+ndjson; fhirVersion=5.0' };
  return { ...kickoff, parameter: [ndjsonOfR5, ...kickoff.parameter.filter((p) => p.name !== 'inputFormat')] };
}

/** Imports exported lines into `tenant` (a file per type, under its input prefix) as R5; answers the error files. */
async function importAsR5(tenant: string, lines: ExportedLine[]): Promise<ImportResult['error']> {
  const inputs = [];
  for (const type of new Set(lines.map((line) => line.resourceType))) {
    const text = lines.filter((line) => line.resourceType === type).map((line) => `${JSON.stringify(line)}\n`);
    inputs.push({ type, url: await putInput(stack.inputs, `${tenant}/${type}.ndjson`, text.join('')) });
  }
  const { statusUrl } = await startImport(`${stack.baseUrl}/tenant/${tenant}`, stack.fetch, r5ImportBody(inputs));
  const done = await pollUntilDone(statusUrl, stack.fetch);
  expect(done.status).toBe(200);
  return ((await done.json()) as ImportResult).error;
}
