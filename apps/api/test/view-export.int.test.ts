import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type ExportManifest, jobPrefix } from '@fhir-bulk/export';
import type { OperationOutcome } from '@fhir-bulk/fhir';
import { generatePopulation, sampleView } from '@fhir-bulk/sample-data';
import { bulkLoad } from '@fhir-bulk/store';
import { type BulkStack, fhirClient, pollUntilDone, startBulkStack } from '@fhir-bulk/test-support';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Parquet `$export` and `$viewdefinition-export` end to end on the real stack, every file read back by DuckDB (an
 * independent reader) and compared row for row, with column types, to `$viewdefinition-run` on the same data.
 * Files roll over at 400 rows, so each view is written as several files.
 */
let stack: BulkStack;
let duckdb: DuckDBConnection;
let dir: string;
beforeAll(async () => {
  stack = await startBulkStack({ env: { EXPORT_FILE_MAX_RECORDS: '*=400,Patient=400,Observation=400' } });
  duckdb = await (await DuckDBInstance.create()).connect();
  dir = mkdtempSync(join(tmpdir(), 'view-export-'));
  const population = [...generatePopulation({ patients: 60 })].filter((r) =>
    ['Patient', 'Observation'].includes(r.resourceType),
  );
  await bulkLoad(stack.store, TENANT, population);
  patients = population.filter((r) => r.resourceType === 'Patient').map((r) => r.id as string);
  for (const id of ['patient-demographics', 'observation-values'] as const) {
    expect((await client().put(`/ViewDefinition/${id}`, sampleView(id))).status).toBe(201);
  }
});
afterAll(async () => {
  duckdb?.closeSync();
  rmSync(dir, { recursive: true, force: true });
  await stack.stop();
});

const TENANT = 'views';
let patients: string[] = [];
const client = () => fhirClient(`${stack.baseUrl}/tenant/${TENANT}`, stack.fetch);
const base = () => `${stack.baseUrl}/tenant/${TENANT}`;
type Row = Record<string, unknown>;

const PARQUET_KICKOFF =
  '/$export?_outputFormat=application/vnd.apache.parquet&_viewDefinition=patient-demographics,observation-values';

/** The view's rows from `$viewdefinition-run` over the tenant's stored data (optionally for some patients). */
async function runRows(viewId: string, patientIds: string[] = []): Promise<Row[]> {
  const response = await client().post(`/ViewDefinition/${viewId}/$viewdefinition-run`, {
    resourceType: 'Parameters',
    parameter: [
      { name: '_format', valueCode: 'json' },
      ...patientIds.map((id) => ({ name: 'patient', valueReference: { reference: `Patient/${id}` } })),
    ],
  });
  expect(response.status).toBe(200);
  return response.body as unknown as Row[];
}

/** Downloads files through their URLs, as a client would, into one local directory; returns their paths. */
async function download(urls: readonly string[], prefix: string): Promise<string[]> {
  return Promise.all(
    urls.map(async (url, i) => {
      const response = await stack.fetch(url);
      expect(response.status).toBe(200);
      const file = join(dir, `${prefix}-${i}-${url.slice(url.lastIndexOf('/') + 1)}`);
      writeFileSync(file, Buffer.from(await response.arrayBuffer()));
      return file;
    }),
  );
}

const query = async (sql: string) => (await duckdb.runAndReadAll(sql)).getRowObjectsJson() as Row[];
const fileList = (files: string[]) => `[${files.map((f) => `'${f}'`).join(', ')}]`;

/** Column types as DuckDB reads them, the same in every file of a view. */
async function columnTypes(files: string[]): Promise<Record<string, string>> {
  const described = await Promise.all(files.map((f) => query(`DESCRIBE SELECT * FROM '${f}'`)));
  for (const d of described) expect(d).toEqual(described[0]);
  return Object.fromEntries(described[0]!.map((c) => [c.column_name, c.column_type]));
}

/** Sorted so that files in any order compare equal; `$viewdefinition-run` rows are made comparable the same way. */
const sorted = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();

/** The demographics rows as DuckDB gives them, native types turned into the run's JSON forms. */
const demographicsSql = (files: string[]) =>
  `SELECT id, mrn, active, gender, strftime(birth_date, '%Y-%m-%d') AS birth_date,
     strftime(last_updated AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS last_updated, family, given, city,
     postal_code FROM read_parquet(${fileList(files)})`;
const observationSql = (files: string[]) =>
  `SELECT id, patient_id, status, category, effective, code, display, value, unit FROM read_parquet(${fileList(files)})`;

describe('Parquet $export of ViewDefinitions', () => {
  it('writes each view as Parquet files DuckDB reads back as exactly the rows $viewdefinition-run gives', async () => {
    const kickoff = await stack.fetch(`${base()}${PARQUET_KICKOFF}`, { headers: { Prefer: 'respond-async' } });
    expect(kickoff.status).toBe(202);
    const done = await pollUntilDone(kickoff.headers.get('content-location')!, stack.fetch);
    expect(done.status).toBe(200);
    const manifest = (await done.json()) as ExportManifest;

    const demographics = manifest.output.filter((o) => o.url.includes('/patient_demographics-'));
    const observations = manifest.output.filter((o) => o.url.includes('/observation_values-'));
    expect(demographics.length + observations.length).toBe(manifest.output.length);
    expect(demographics.every((o) => o.type === 'Patient' && /-0-\d+\.parquet$/.test(o.url))).toBe(true);
    expect(observations.every((o) => o.type === 'Observation' && /-0-\d+\.parquet$/.test(o.url))).toBe(true);
    // 60 patients in files of at most 400 rows: one; Observations: several, every one but the last full.
    expect(demographics.map((o) => o.count)).toEqual([60]);
    expect(observations.length).toBeGreaterThan(2);
    expect(observations.slice(0, -1).every((o) => o.count === 400)).toBe(true);

    const patientRows = await runRows('patient-demographics');
    const observationRows = await runRows('observation-values');
    expect(patientRows).toHaveLength(60);
    expect(observations.reduce((n, o) => n + o.count, 0)).toBe(observationRows.length);
    // forEach over components: blood pressures give two rows, so there are more rows than Observations.
    expect(new Set(observationRows.map((r) => r.id)).size).toBeLessThan(observationRows.length);

    const download1 = await stack.fetch(demographics[0]!.url);
    expect(download1.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const patientFiles = await download(
      demographics.map((o) => o.url),
      'export-pt',
    );
    const observationFiles = await download(
      observations.map((o) => o.url),
      'export-obs',
    );
    for (const [files, entries] of [
      [patientFiles, demographics],
      [observationFiles, observations],
    ] as const) {
      const counts = await Promise.all(files.map((f) => query(`SELECT count(*)::INTEGER AS n FROM '${f}'`)));
      expect(counts.map((c) => c[0]!.n)).toEqual(entries.map((o) => o.count));
    }

    expect(await columnTypes(patientFiles)).toEqual({
      id: 'VARCHAR',
      mrn: 'VARCHAR',
      active: 'BOOLEAN',
      gender: 'VARCHAR',
      birth_date: 'DATE',
      last_updated: 'TIMESTAMP WITH TIME ZONE',
      family: 'VARCHAR',
      given: 'VARCHAR[]',
      city: 'VARCHAR',
      postal_code: 'VARCHAR',
    });
    expect(await columnTypes(observationFiles)).toEqual({
      id: 'VARCHAR',
      patient_id: 'VARCHAR',
      status: 'VARCHAR',
      category: 'VARCHAR',
      effective: 'VARCHAR',
      code: 'VARCHAR',
      display: 'VARCHAR',
      value: 'DOUBLE',
      unit: 'VARCHAR',
    });
    expect(sorted(await query(demographicsSql(patientFiles)))).toEqual(sorted(patientRows));
    expect(sorted(await query(observationSql(observationFiles)))).toEqual(sorted(observationRows));
  });

  it.each([
    ['Parquet without a view', '/$export?_outputFormat=parquet', 400, 'invalid', '_viewDefinition'],
    ['an unknown view', '/$export?_outputFormat=parquet&_viewDefinition=nope', 400, 'not-found', '_viewDefinition'],
    [
      'a _type no view reads',
      '/$export?_outputFormat=parquet&_viewDefinition=patient-demographics&_type=Patient,Condition',
      400,
      'invalid',
      '_type',
    ],
    [
      'a view outside the Patient compartment at Patient level',
      '/Patient/$export?_outputFormat=parquet&_viewDefinition=practitioners',
      400,
      'not-supported',
      '_viewDefinition',
    ],
  ])('refuses %s before any job starts', async (_what, path, status, code, expression) => {
    await client().put('/ViewDefinition/practitioners', {
      resourceType: 'ViewDefinition',
      id: 'practitioners',
      name: 'practitioners',
      status: 'active',
      resource: 'Practitioner',
      select: [{ column: [{ name: 'id', path: 'id' }] }],
    });
    const jobsBefore = await stack.store.db.collection('export_jobs').countDocuments({ tenant: TENANT });
    const response = await stack.fetch(`${base()}${path}`, { headers: { Prefer: 'respond-async' } });
    expect(response.status).toBe(status);
    const outcome = (await response.json()) as OperationOutcome;
    expect(outcome.issue).toEqual([expect.objectContaining({ severity: 'error', code, expression: [expression] })]);
    expect(await stack.store.db.collection('export_jobs').countDocuments({ tenant: TENANT })).toBe(jobsBefore);
  });

  it('fails the job with a 422 naming the resource when the view does not fit the data, and keeps no file', async () => {
    // `given` without collection: true, over patients with two given names.
    const stored = await client().put('/ViewDefinition/bad-given', {
      resourceType: 'ViewDefinition',
      id: 'bad-given',
      name: 'bad_given',
      status: 'active',
      resource: 'Patient',
      select: [
        {
          column: [
            { name: 'id', path: 'id' },
            { name: 'given', path: 'name.given' },
          ],
        },
      ],
    });
    expect(stored.status).toBe(201);
    const kickoff = await stack.fetch(`${base()}/$export?_outputFormat=parquet&_viewDefinition=bad-given`, {
      headers: { Prefer: 'respond-async' },
    });
    expect(kickoff.status).toBe(202);
    const statusUrl = kickoff.headers.get('content-location')!;
    const done = await pollUntilDone(statusUrl, stack.fetch);
    expect(done.status).toBe(422);
    const outcome = (await done.json()) as OperationOutcome;
    expect(outcome.issue[0]).toMatchObject({ code: 'processing' });
    expect(outcome.issue[0]!.diagnostics).toMatch(/VIEW_FAILED.*bad_given.*Patient\/pat-\d+/);
    expect(await stack.objects.list(jobPrefix(TENANT, statusUrl.split('/').pop()!))).toEqual([]);
  });
});

describe('a resource expanding past VIEW_MAX_ROWS_PER_RESOURCE', () => {
  it('fails the export with a 422 naming the resource and the cap, instead of exhausting the worker', async () => {
    // Items nested 24 levels under a view listing `item` twice in its repeat: 2^25 rows if nothing stopped it.
    let item: Record<string, unknown> = { linkId: '24' };
    for (let level = 23; level >= 1; level--) item = { linkId: `${level}`, item: [item] };
    await bulkLoad(stack.store, 'costly-views', [
      { resourceType: 'Questionnaire', id: 'deep', status: 'active', item: [item] },
    ]);
    const view = {
      resourceType: 'ViewDefinition',
      name: 'items',
      resource: 'Questionnaire',
      select: [{ repeat: ['item', 'item'], column: [{ name: 'link_id', path: 'linkId' }] }],
    };
    const kickoff = await stack.fetch(`${stack.baseUrl}/tenant/costly-views/$viewdefinition-export`, {
      method: 'POST',
      headers: { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [{ name: 'view', part: [{ name: 'viewResource', resource: view }] }],
      }),
    });
    expect(kickoff.status).toBe(202);
    const done = await pollUntilDone(kickoff.headers.get('content-location')!, stack.fetch);
    expect(done.status).toBe(422);
    const outcome = (await done.json()) as OperationOutcome;
    expect(outcome.issue[0]!.diagnostics).toMatch(/VIEW_FAILED.*Questionnaire\/deep: expands to more than 10000 rows/);
  });
});

describe('$viewdefinition-export', () => {
  const kickoff = (parameters: unknown[], path = '/ViewDefinition/$viewdefinition-export') =>
    stack.fetch(`${base()}${path}`, {
      method: 'POST',
      headers: { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: parameters }),
    });
  type ParametersBody = { parameter: Array<{ name: string }> };
  const parameter = (body: ParametersBody, name: string) => body.parameter.filter((p) => p.name === name);

  it('exports an inline and a stored view for some patients as Parquet, answering with Parameters', async () => {
    const chosen = patients.slice(0, 5);
    const inline = { ...sampleView('observation-values'), id: undefined, name: 'obs_inline' };
    const response = await kickoff([
      { name: '_format', valueCode: 'parquet' },
      {
        name: 'view',
        part: [{ name: 'viewReference', valueReference: { reference: 'ViewDefinition/patient-demographics' } }],
      },
      {
        name: 'view',
        part: [
          { name: 'name', valueString: 'vitals' },
          { name: 'viewResource', resource: inline },
        ],
      },
      ...chosen.map((id) => ({ name: 'patient', valueReference: { reference: `Patient/${id}` } })),
    ]);
    expect(response.status).toBe(202);
    const location = response.headers.get('content-location')!;
    expect(location).toMatch(/\/tenant\/views\/_viewdefinition-export\/[0-9a-f-]{36}$/);
    const accepted = (await response.json()) as ParametersBody;
    expect(parameter(accepted, 'status')).toEqual([{ name: 'status', valueCode: 'accepted' }]);
    expect(parameter(accepted, 'location')).toEqual([{ name: 'location', valueUri: location }]);

    const done = await pollUntilDone(location, stack.fetch);
    expect(done.status).toBe(200);
    const body = (await done.json()) as ParametersBody;
    expect(parameter(body, 'status')).toEqual([{ name: 'status', valueCode: 'completed' }]);
    expect(parameter(body, '_format')).toEqual([{ name: '_format', valueCode: 'parquet' }]);
    const outputs = Object.fromEntries(
      parameter(body, 'output').map((o) => {
        const parts = (o as unknown as { part: Array<{ name: string; valueString?: string; valueUri?: string }> }).part;
        return [parts[0]!.valueString, parts.slice(1).map((p) => p.valueUri!)];
      }),
    );
    expect(Object.keys(outputs).sort()).toEqual(['patient_demographics', 'vitals']);

    const patientFiles = await download(outputs.patient_demographics!, 'vde-pt');
    const vitalFiles = await download(outputs.vitals!, 'vde-obs');
    expect(sorted(await query(demographicsSql(patientFiles)))).toEqual(
      sorted(await runRows('patient-demographics', chosen)),
    );
    const vitals = await runRows('observation-values', chosen);
    expect(vitals.length).toBeGreaterThan(0);
    expect(new Set(vitals.map((r) => r.patient_id))).toEqual(new Set(chosen));
    expect(sorted(await query(observationSql(vitalFiles)))).toEqual(sorted(vitals));
  });

  it.each(['ndjson', 'csv'])('writes the rows of a stored view as %s', async (format) => {
    const response = await kickoff(
      [{ name: '_format', valueCode: format }],
      '/ViewDefinition/patient-demographics/$viewdefinition-export',
    );
    expect(response.status).toBe(202);
    const done = await pollUntilDone(response.headers.get('content-location')!, stack.fetch);
    const body = (await done.json()) as ParametersBody;
    const [output] = parameter(body, 'output') as unknown as Array<{ part: Array<{ valueUri?: string }> }>;
    const urls = output!.part.slice(1).map((p) => p.valueUri!);
    expect(urls.every((u) => u.endsWith(`.${format}`))).toBe(true);
    const texts = await Promise.all(urls.map(async (u) => (await stack.fetch(u)).text()));
    const expected = await runRows('patient-demographics');
    if (format === 'ndjson') {
      const rows = texts.flatMap((t) =>
        t
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as Row),
      );
      expect(sorted(rows)).toEqual(sorted(expected));
    } else {
      const files = await download(urls, 'vde-csv');
      const rows = await query(
        `SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids FROM read_csv(${fileList(files)}, header = true)`,
      );
      expect(rows).toEqual([{ n: expected.length, ids: expected.length }]);
      expect(texts[0]!.split('\r\n')[0]).toBe(
        'id,mrn,active,gender,birth_date,last_updated,family,given,city,postal_code',
      );
    }
  });

  it.each([
    [
      'an unknown stored view',
      [{ name: 'view', part: [{ name: 'viewReference', valueReference: { reference: 'ViewDefinition/none' } }] }],
      404,
      'not-found',
    ],
    [
      'an invalid inline view',
      [
        {
          name: 'view',
          part: [
            {
              name: 'viewResource',
              resource: {
                resourceType: 'ViewDefinition',
                resource: 'Patient',
                select: [{ column: [{ name: 'x y', path: 'id' }] }],
              },
            },
          ],
        },
      ],
      422,
      'invalid',
    ],
    ['no view', [{ name: '_format', valueCode: 'parquet' }], 400, 'invalid'],
    [
      'the json format',
      [
        { name: '_format', valueCode: 'json' },
        {
          name: 'view',
          part: [{ name: 'viewReference', valueReference: { reference: 'ViewDefinition/patient-demographics' } }],
        },
      ],
      400,
      'not-supported',
    ],
    ['clientTrackingId', [{ name: 'clientTrackingId', valueString: 'x' }], 400, 'not-supported'],
  ])('refuses %s with an OperationOutcome and starts nothing', async (_what, parameters, status, code) => {
    const jobsBefore = await stack.store.db.collection('export_jobs').countDocuments({ tenant: TENANT });
    const response = await kickoff(parameters);
    expect(response.status).toBe(status);
    const outcome = (await response.json()) as OperationOutcome;
    expect(outcome.issue[0]).toMatchObject({ severity: 'error', code });
    expect(await stack.store.db.collection('export_jobs').countDocuments({ tenant: TENANT })).toBe(jobsBefore);
  });
});
