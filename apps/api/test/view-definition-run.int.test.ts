import type { FhirResource, OperationOutcome } from '@fhir-bulk/fhir';
import { bulkLoad } from '@fhir-bulk/store';
import { type BulkStack, fhirClient, startBulkStack } from '@fhir-bulk/test-support';
import { request } from 'node:http';

let stack: BulkStack;
beforeAll(async () => {
  stack = await startBulkStack();
});
afterAll(() => stack.stop());

type Row = Record<string, unknown>;

const patientView = {
  resourceType: 'ViewDefinition',
  name: 'patients',
  resource: 'Patient',
  select: [
    {
      column: [
        { name: 'id', path: 'getResourceKey()' },
        { name: 'birth_date', path: 'birthDate' },
        { name: 'family', path: 'name.family.first()' },
        { name: 'given', path: 'name.given', collection: true },
      ],
    },
  ],
};
const observationView = {
  resourceType: 'ViewDefinition',
  name: 'observations',
  resource: 'Observation',
  select: [
    {
      column: [
        { name: 'id', path: 'getResourceKey()' },
        { name: 'patient', path: 'subject.getReferenceKey(Patient)' },
        { name: 'code', path: 'code.coding.code.first()' },
        { name: 'value', path: 'value.ofType(Quantity).value' },
      ],
    },
  ],
};

const patient = (id: string, family?: string, given: string[] = [], birthDate?: string) => ({
  resourceType: 'Patient',
  id,
  ...(family ? { name: [{ family, given }] } : {}),
  ...(birthDate ? { birthDate } : {}),
});
const observation = (id: string, patientId: string, code: string, value: number) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${patientId}` },
  valueQuantity: { value, unit: 'mg' },
});

const early = [
  patient('p1', 'Smith', ['Ann', 'Bo'], '1980-01-01'),
  patient('p2', 'Jones', ['Cy'], '1990-02-02'),
  patient('p3'),
  observation('o1', 'p1', '1-8', 5),
  observation('o2', 'p1', '2-9', 6),
  observation('o3', 'p2', '1-8', 7),
];
const late = [patient('p4', 'Late', ['Di']), observation('o4', 'p4', '1-8', 8)];
const patientRows: Row[] = [
  { id: 'p1', birth_date: '1980-01-01', family: 'Smith', given: ['Ann', 'Bo'] },
  { id: 'p2', birth_date: '1990-02-02', family: 'Jones', given: ['Cy'] },
  { id: 'p3', birth_date: null, family: null, given: [] },
  { id: 'p4', birth_date: null, family: 'Late', given: ['Di'] },
];
const observationRows: Row[] = [
  { id: 'o1', patient: 'p1', code: '1-8', value: 5 },
  { id: 'o2', patient: 'p1', code: '2-9', value: 6 },
  { id: 'o3', patient: 'p2', code: '1-8', value: 7 },
  { id: 'o4', patient: 'p4', code: '1-8', value: 8 },
];

/** Between the two loads: `_since` it returns only the late resources. */
let between: string;
beforeAll(async () => {
  await bulkLoad(stack.store, 'run', early);
  await new Promise((resolve) => setTimeout(resolve, 20));
  between = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await bulkLoad(stack.store, 'run', late);
  await fhirClient(stack.baseUrl, stack.fetch).put('/tenant/run/ViewDefinition/patients', {
    ...patientView,
    id: 'patients',
  });
});

const param = {
  view: (resource: unknown) => ({ name: 'viewResource', resource }),
  reference: (reference: string) => ({ name: 'viewReference', valueReference: { reference } }),
  format: (code: string) => ({ name: '_format', valueCode: code }),
  resource: (resource: unknown) => ({ name: 'resource', resource }),
  patient: (id: string) => ({ name: 'patient', valueReference: { reference: `Patient/${id}` } }),
  since: (instant: string) => ({ name: '_since', valueInstant: instant }),
  limit: (n: number) => ({ name: '_limit', valueInteger: n }),
};

const run = (path: string, parameter: unknown[], headers: Record<string, string> = {}) =>
  stack.fetch(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', ...headers },
    body: JSON.stringify({ resourceType: 'Parameters', parameter }),
  });

/** Runs and reads a JSON array of rows (asked for by Accept), sorted by id (stored data comes in storage order). */
async function rows(path: string, parameter: unknown[]): Promise<Row[]> {
  const response = await run(path, parameter, { Accept: 'application/json' });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return ((await response.json()) as Row[]).sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

async function outcomeOf(response: Response, status: number): Promise<OperationOutcome> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  return (await response.json()) as OperationOutcome;
}

/** RFC 4180 records (CRLF-terminated, quoted fields with doubled quotes). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',') {
      record.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      records.push([...record, field]);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field + record.join('')).toBe(''); // the text ended with a complete record
  return records;
}

/** POSTs `body` with no Accept header at all (fetch always sends one: `*\/*`). */
async function postWithoutAccept(path: string, body: string) {
  const headers = {
    Authorization: `Bearer ${await stack.auth.http.token()}`,
    'Content-Type': 'application/fhir+json',
    'Content-Length': String(Buffer.byteLength(body)),
  };
  return new Promise<{ status?: number; contentType?: string; text: string }>((resolve, reject) => {
    const req = request(`${stack.baseUrl}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, contentType: res.headers['content-type'], text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const cell = (value: unknown) =>
  value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);

describe('$viewdefinition-run on inline resources', () => {
  it('evaluates the given resources, of the view type only, and unwraps a Bundle', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: early[1] }, { resource: early[3] }],
    };
    const result = await rows('/tenant/empty/ViewDefinition/$viewdefinition-run', [
      param.view(patientView),
      param.resource(early[0]),
      param.resource(bundle),
      param.resource(early[2]),
    ]);
    expect(result).toEqual(patientRows.slice(0, 3));
  });

  it('applies patient and _since to them as to stored data', async () => {
    const stamped = (resource: object, lastUpdated: string) => ({ ...resource, meta: { lastUpdated } });
    const result = await rows('/tenant/empty/ViewDefinition/$viewdefinition-run', [
      param.view(observationView),
      ...early.slice(3).map((r) => param.resource(stamped(r, '2024-01-01T00:00:00Z'))),
      param.resource(stamped(late[1]!, '2024-06-01T00:00:00Z')),
      param.resource(observation('o5', 'p1', '3-1', 9)), // no lastUpdated: kept, as the spec allows
      param.patient('p1'),
      param.patient('p4'),
      param.since('2024-03-01T00:00:00Z'),
    ]);
    expect(result.map((r) => r.id)).toEqual(['o4', 'o5']);
  });

  it('reads their decimals as written, where stored ones have the precision of the number MongoDB keeps', async () => {
    const boundaryView = {
      resourceType: 'ViewDefinition',
      resource: 'Observation',
      select: [
        {
          column: [
            { name: 'id', path: 'getResourceKey()' },
            { name: 'low', path: 'value.ofType(Quantity).value.lowBoundary()' },
            { name: 'high', path: 'value.ofType(Quantity).value.highBoundary()' },
            { name: 'text', path: 'value.ofType(Quantity).value.toString()' },
          ],
        },
      ],
    };
    // Written by hand: JSON.stringify would write 1.0 as 1.
    const resource = (id: string) =>
      `{"resourceType": "Observation", "id": "${id}", "status": "final", "code": {"text": "c"}, "valueQuantity": {"value": 1.0}}`;
    const bundle = `{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": ${resource('d2')}}]}`;
    const parameters = [
      JSON.stringify(param.view(boundaryView)),
      `{"name": "resource", "resource": ${resource('d1')}}`,
      `{"name": "resource", "resource": ${bundle}}`,
      `{"name": "_limit", "valueInteger": 5.0}`,
    ];
    const path = '/tenant/decimals/ViewDefinition/$viewdefinition-run';
    const inline = await stack.fetch(`${stack.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Accept: 'application/json' },
      body: `{"resourceType": "Parameters", "parameter": [${parameters.join(', ')}]}`,
    });
    expect(inline.status).toBe(200);
    expect(await inline.json()).toEqual([
      { id: 'd1', low: 0.95, high: 1.05, text: '1.0' },
      { id: 'd2', low: 0.95, high: 1.05, text: '1.0' },
    ]);

    await bulkLoad(stack.store, 'decimals', [JSON.parse(resource('d3')) as FhirResource]);
    expect(await rows(path, [param.view(boundaryView)])).toEqual([{ id: 'd3', low: 0.5, high: 1.5, text: '1' }]);
  });
});

describe('$viewdefinition-run on stored data', () => {
  it('evaluates the tenant current resources of the view type', async () => {
    expect(await rows('/tenant/run/ViewDefinition/$viewdefinition-run', [param.view(patientView)])).toEqual(
      patientRows,
    );
    expect(await rows('/tenant/run/ViewDefinition/$viewdefinition-run', [param.view(observationView)])).toEqual(
      observationRows,
    );
  });

  it('sees no other tenant data', async () => {
    expect(await rows('/tenant/empty/ViewDefinition/$viewdefinition-run', [param.view(patientView)])).toEqual([]);
    expect(await rows('/ViewDefinition/$viewdefinition-run', [param.view(patientView)])).toEqual([]);
  });

  it('restricts to the compartments of the given patients', async () => {
    const path = '/tenant/run/ViewDefinition/$viewdefinition-run';
    expect(await rows(path, [param.view(observationView), param.patient('p1')])).toEqual(observationRows.slice(0, 2));
    expect(await rows(path, [param.view(observationView), param.patient('p2'), param.patient('p4')])).toEqual([
      observationRows[2],
      observationRows[3],
    ]);
    expect(await rows(path, [param.view(patientView), param.patient('p2')])).toEqual([patientRows[1]]);
  });

  it('answers 400 naming patient for a patient the tenant does not have', async () => {
    const response = await run('/tenant/run/ViewDefinition/$viewdefinition-run', [
      param.view(observationView),
      param.patient('p1'),
      param.patient('nobody'),
    ]);
    const outcome = await outcomeOf(response, 400);
    expect(outcome.issue[0]).toMatchObject({ code: 'not-found', expression: ['patient'] });
    expect(outcome.issue[0]?.diagnostics).toContain('Patient/nobody');
  });

  it('returns only resources updated after _since', async () => {
    const result = await rows('/tenant/run/ViewDefinition/$viewdefinition-run', [
      param.view(observationView),
      param.since(between),
    ]);
    expect(result).toEqual([observationRows[3]]);
  });

  it('returns at most _limit rows, even when one resource makes several', async () => {
    const path = '/tenant/run/ViewDefinition/$viewdefinition-run';
    expect(await rows(path, [param.view(observationView), param.limit(2)])).toHaveLength(2);
    const givenNames = {
      ...patientView,
      select: [{ forEach: 'name.given', column: [{ name: 'given', path: '$this' }] }],
    };
    const inline = [param.view(givenNames), param.resource(early[0]), param.resource(early[1])];
    expect(await rows(path, [...inline, param.limit(1)])).toEqual([{ given: 'Ann' }]);
    expect(await rows(path, [...inline, param.limit(3)])).toHaveLength(3);
  });
});

describe('output formats', () => {
  const path = '/tenant/run/ViewDefinition/$viewdefinition-run';
  const columns = ['id', 'birth_date', 'family', 'given'];
  const byId = (a: string[], b: string[]) => a[0]!.localeCompare(b[0]!);

  it('writes the same rows as NDJSON, one object per line', async () => {
    for (const format of ['ndjson', 'application/x-ndjson', 'application/ndjson']) {
      const response = await run(path, [param.view(patientView), param.format(format)]);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      const text = await response.text();
      expect(text.endsWith('\n')).toBe(true);
      const lines = text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Row);
      expect(lines.sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(patientRows);
    }
  });

  it('writes the same rows as CSV with a header row, collections as JSON', async () => {
    for (const format of ['csv', 'text/csv']) {
      const response = await run(path, [param.view(patientView), param.format(format)]);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
      const [header, ...records] = parseCsv(await response.text());
      expect(header).toEqual(columns);
      expect(records.sort(byId)).toEqual(patientRows.map((row) => columns.map((c) => cell(row[c]))));
    }
    const response = await run(path, [
      param.view(patientView),
      param.format('csv'),
      { name: 'header', valueBoolean: false },
    ]);
    expect(parseCsv(await response.text()).sort(byId)).toEqual(
      patientRows.map((row) => columns.map((c) => cell(row[c]))),
    );
  });

  it('takes the format from Accept when _format is absent, and _format over Accept', async () => {
    const csv = await run(path, [param.view(patientView)], { Accept: 'text/csv' });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const ndjson = await run(path, [param.view(patientView), param.format('ndjson')], { Accept: 'text/csv' });
    expect(ndjson.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const json = await run(path, [param.view(patientView)], { Accept: 'application/json' });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const envelope = await run(path, [param.view(patientView)], { Accept: 'application/fhir+json' });
    expect((await outcomeOf(envelope, 406)).issue[0]?.expression).toEqual(['Accept']);
  });

  it('writes NDJSON, the spec default, when neither _format nor Accept chooses', async () => {
    const body = JSON.stringify({ resourceType: 'Parameters', parameter: [param.view(patientView)] });
    const noAccept = await postWithoutAccept(path, body);
    expect(noAccept.status).toBe(200);
    expect(noAccept.contentType).toBe('application/x-ndjson; charset=utf-8');
    const lines = noAccept.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Row);
    expect(lines.sort((a, b) => String(a.id).localeCompare(String(b.id)))).toEqual(patientRows);
    for (const accept of ['*/*', 'text/*;q=0.1, */*;q=0.5']) {
      const response = await run(path, [param.view(patientView)], { Accept: accept });
      expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    }
    const get = await stack.fetch(`${stack.baseUrl}/tenant/run/ViewDefinition/patients/$viewdefinition-run`);
    expect(get.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
  });
});

describe('naming the view', () => {
  it('runs a stored view by viewReference, or by its URL (GET or POST), as it runs the same view inline', async () => {
    const inline = await rows('/tenant/run/$viewdefinition-run', [param.view(patientView)]);
    expect(inline).toEqual(patientRows);
    const base = `${stack.baseUrl}/tenant/run`;
    for (const reference of ['ViewDefinition/patients', `${base}/ViewDefinition/patients`]) {
      expect(await rows('/tenant/run/ViewDefinition/$viewdefinition-run', [param.reference(reference)])).toEqual(
        inline,
      );
    }
    expect(await rows('/tenant/run/ViewDefinition/patients/$viewdefinition-run', [])).toEqual(inline);
    const get = await stack.fetch(`${base}/ViewDefinition/patients/$viewdefinition-run?_format=csv&_limit=1`);
    expect(get.status).toBe(200);
    expect(parseCsv(await get.text())).toHaveLength(2);
  });

  it('answers 404 for a view the tenant does not have', async () => {
    const missing = await run('/tenant/run/ViewDefinition/$viewdefinition-run', [
      param.reference('ViewDefinition/nope'),
    ]);
    expect((await outcomeOf(missing, 404)).issue[0]?.code).toBe('not-found');
    const elsewhere = await run('/tenant/empty/ViewDefinition/$viewdefinition-run', [
      param.reference('ViewDefinition/patients'),
    ]);
    await outcomeOf(elsewhere, 404);
    await outcomeOf(await run('/tenant/run/ViewDefinition/nope/$viewdefinition-run', []), 404);
  });

  it('answers 400 unless exactly one of viewResource and viewReference names it', async () => {
    const none = await outcomeOf(await run('/tenant/run/ViewDefinition/$viewdefinition-run', []), 400);
    expect(none.issue[0]).toMatchObject({ code: 'required', expression: ['viewResource'] });
    const both = [param.view(patientView), param.reference('ViewDefinition/patients')];
    await outcomeOf(await run('/tenant/run/ViewDefinition/$viewdefinition-run', both), 400);
    const atInstance = await run('/tenant/run/ViewDefinition/patients/$viewdefinition-run', [param.view(patientView)]);
    expect((await outcomeOf(atInstance, 400)).issue[0]?.expression).toEqual(['viewResource']);
  });
});

describe('errors', () => {
  const path = '/tenant/run/ViewDefinition/$viewdefinition-run';

  it('answers 422 with one issue per problem for an invalid inline view', async () => {
    const invalid = {
      ...patientView,
      select: [
        {
          column: [
            { name: 'id', path: 'name.where(' },
            { name: 'id', path: 'id' },
          ],
        },
      ],
    };
    const outcome = await outcomeOf(await run(path, [param.view(invalid)]), 422);
    expect(outcome.issue.map((i) => i.expression)).toEqual([
      ['ViewDefinition.select[0].column[0].path'],
      ['ViewDefinition.select[0].column[1]'],
    ]);
  });

  it('answers 400 naming a bad parameter, and 415 for a body that is not JSON', async () => {
    const format = await outcomeOf(await run(path, [param.view(patientView), param.format('xml')]), 400);
    expect(format.issue[0]).toMatchObject({ code: 'not-supported', expression: ['_format'] });
    const limit = await outcomeOf(await run(path, [param.view(patientView), param.limit(-1)]), 400);
    expect(limit.issue[0]?.expression).toEqual(['_limit']);
    const unknown = await outcomeOf(
      await run(path, [param.view(patientView), { name: 'group', valueString: 'g' }]),
      400,
    );
    expect(unknown.issue[0]?.expression).toEqual(['group']);
    const text = await stack.fetch(`${stack.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'x',
    });
    await outcomeOf(text, 415);
  });

  /** One given name per patient, except in patient `twice`: a column without `collection: true` cannot hold two. */
  const oneGiven = {
    resourceType: 'ViewDefinition',
    resource: 'Patient',
    constant: [{ name: 'pad', valueString: 'x'.repeat(1_000) }],
    select: [
      {
        column: [
          { name: 'id', path: 'getResourceKey()' },
          { name: 'given', path: 'name.given' },
          { name: 'pad', path: '%pad' },
        ],
      },
    ],
  };
  const twice = patient('twice', 'Two', ['A', 'B']);

  it('answers 422 naming the resource a view fails on, inline or stored', async () => {
    const inline = await run(path, [
      param.view(oneGiven),
      param.resource(patient('once', 'One', ['A'])),
      param.resource(twice),
    ]);
    const inlineOutcome = await outcomeOf(inline, 422);
    expect(inlineOutcome.issue[0]).toMatchObject({
      code: 'processing',
      expression: ['ViewDefinition.select[0].column[1]'],
    });
    expect(inlineOutcome.issue[0]?.diagnostics).toContain('Patient/twice');

    await bulkLoad(stack.store, 'broken', [twice]);
    const stored = await run('/tenant/broken/ViewDefinition/$viewdefinition-run', [param.view(oneGiven)]);
    expect((await outcomeOf(stored, 422)).issue[0]?.diagnostics).toContain('Patient/twice');
  });

  it('cuts the connection when a view fails after rows were sent', async () => {
    // 100 rows of over 1,000 characters go out before the failing resource is read.
    const many = Array.from({ length: 100 }, (_, i) => param.resource(patient(`ok${i}`, 'Ok', ['A'])));
    const response = await run(path, [param.view(oneGiven), ...many, param.resource(twice), param.format('ndjson')]);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });
});

describe('what one run may cost', () => {
  /** A Questionnaire whose items nest `depth` levels. */
  const nestedItems = (id: string, depth: number) => {
    let item: Record<string, unknown> = { linkId: `${depth}` };
    for (let level = depth - 1; level >= 1; level--) item = { linkId: `${level}`, item: [item] };
    return { resourceType: 'Questionnaire', id, status: 'active', item: [item] };
  };
  /** Lists one path twice, so each level of items doubles the rows: 2^25 at depth 24. */
  const repeatTwice = {
    resourceType: 'ViewDefinition',
    name: 'items',
    resource: 'Questionnaire',
    select: [{ repeat: ['item', 'item'], column: [{ name: 'link_id', path: 'linkId' }] }],
  };
  const path = '/tenant/costly/ViewDefinition/$viewdefinition-run';

  it('answers 422 too-costly for a resource expanding past the per-resource cap, and keeps serving others', async () => {
    const hostile = run(path, [param.view(repeatTwice), param.resource(nestedItems('deep', 24))]);
    // Sent together: the other request is answered whatever the hostile one does meanwhile.
    const other = rows(path, [param.view(patientView), param.resource(patient('p1', 'Smith', ['Ann']))]);
    const [refused, answered] = await Promise.all([hostile, other]);
    const outcome = await outcomeOf(refused, 422);
    expect(outcome.issue[0]?.code).toBe('too-costly');
    expect(outcome.issue[0]?.diagnostics).toContain('Questionnaire/deep: expands to more than 10000 rows');
    expect(outcome.issue[0]?.diagnostics).toContain('$viewdefinition-export');
    expect(answered).toEqual([{ id: 'p1', birth_date: null, family: 'Smith', given: ['Ann'] }]);
    // And afterwards.
    expect(await rows('/tenant/run/ViewDefinition/$viewdefinition-run', [param.view(patientView)])).toEqual(
      patientRows,
    );
  });

  it('refuses the same over stored data, before any row is sent', async () => {
    await bulkLoad(stack.store, 'costly', [nestedItems('stored-deep', 24)]);
    const response = await run(path, [param.view(repeatTwice), param.format('ndjson')]);
    expect((await outcomeOf(response, 422)).issue[0]?.diagnostics).toContain('Questionnaire/stored-deep');
  });

  it('runs the same view on a shallow resource, within the cap', async () => {
    const shallow = await rows(path, [param.view(repeatTwice), param.resource(nestedItems('shallow', 3))]);
    expect(shallow).toHaveLength(14);
  });

  /** A ViewDefinition with a select nested `depth` levels, as JSON text (JSON.stringify overflows at this depth). */
  const deepSelect = (depth: number, id = 'deep') =>
    `{"resourceType":"ViewDefinition","id":"${id}","name":"deep","resource":"Patient","select":[` +
    '{"select":['.repeat(depth) +
    '{"column":[{"name":"id","path":"id"}]}' +
    ']}'.repeat(depth) +
    ']}';
  const send = (url: string, method: string, body: string) =>
    stack.fetch(`${stack.baseUrl}${url}`, { method, headers: { 'Content-Type': 'application/fhir+json' }, body });

  // 2,000 levels: 10,000 are refused too, but by the test stack's 64 KiB body limit (413) before the shape check.
  it('answers 400 for a select nested 2,000 levels, inline or stored, naming the nesting', async () => {
    const parameters = `{"resourceType":"Parameters","parameter":[{"name":"viewResource","resource":${deepSelect(2_000)}}]}`;
    const inline = await outcomeOf(await send(path, 'POST', parameters), 400);
    expect(inline.issue[0]?.diagnostics).toMatch(/nests deeper than 100 levels/);
    const stored = await send('/tenant/costly/ViewDefinition/deep', 'PUT', deepSelect(2_000));
    expect((await outcomeOf(stored, 400)).issue[0]?.diagnostics).toMatch(/nests deeper than 100 levels/);
  });
});
