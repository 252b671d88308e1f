import { compileView, type FhirJson, ViewBudgetError, type ViewRow } from '@fhir-bulk/view-definition';
import { budgetedRows } from '../src';

/** A Questionnaire whose items nest `depth` levels, one item per level. */
function nestedItems(depth: number): FhirJson {
  let item: Record<string, unknown> = { linkId: `${depth}` };
  for (let level = depth - 1; level >= 1; level--) item = { linkId: `${level}`, item: [item] };
  return { resourceType: 'Questionnaire', id: 'deep', status: 'active', item: [item] };
}

/** `repeat` with one path twice: every item is found twice at each level, so the rows double per level. */
const repeatTwice = {
  resource: 'Questionnaire',
  select: [{ repeat: ['item', 'item'], column: [{ name: 'link_id', path: 'linkId' }] }],
};

const patientView = {
  resource: 'Patient',
  select: [{ column: [{ name: 'id', path: 'id' }] }, { forEach: 'name', column: [{ name: 'family', path: 'family' }] }],
};
const patient = (id: string, families: string[] = ['Smith']): FhirJson => ({
  resourceType: 'Patient',
  id,
  name: families.map((family) => ({ family })),
});

/** Resources handed out one by one, counting how many were read and whether the reader stopped reading. */
function counted(resources: FhirJson[]) {
  const source = { read: 0, closed: false, items: resources };
  async function* generate(): AsyncGenerator<FhirJson> {
    try {
      for (const resource of resources) {
        source.read++;
        yield resource;
      }
    } finally {
      source.closed = true;
    }
  }
  return { source, resources: generate() };
}

async function collect(rows: AsyncIterable<ViewRow>): Promise<ViewRow[]> {
  const all: ViewRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

const far = () => Date.now() + 3_600_000;

describe('the per-resource row cap', () => {
  it('stops a repeat that lists a path twice while it expands, naming the resource', () => {
    const evaluator = compileView(repeatTwice, {}, { maxRowsPerResource: 1_000 });
    // 2^21 items at depth 20: only a check during the expansion can refuse this before it fills the heap.
    expect(() => evaluator.rows(nestedItems(20))).toThrow(ViewBudgetError);
    expect(() => evaluator.rows(nestedItems(20))).toThrow(/^Questionnaire\/deep: expands to more than 1000 rows/);
  });

  it('applies a default cap when none is given', () => {
    expect(() => compileView(repeatTwice).rows(nestedItems(30))).toThrow(/more than 10000 rows/);
  });

  it('stops a cross join of forEach selects before the product is built', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ family: `F${i}`, given: ['a', 'b', 'c'] }));
    const view = {
      resource: 'Patient',
      select: [
        { forEach: 'name', column: [{ name: 'family', path: 'family' }] },
        { forEach: 'name.given', column: [{ name: 'given', path: '$this' }] },
      ],
    };
    const evaluator = compileView(view, {}, { maxRowsPerResource: 10_000 });
    // 200 names × 600 given names = 120,000 rows.
    expect(() => evaluator.rows({ resourceType: 'Patient', id: 'wide', name: many })).toThrow(ViewBudgetError);
    expect(evaluator.rows({ resourceType: 'Patient', id: 'narrow', name: many.slice(0, 20) })).toHaveLength(1_200);
  });

  it('leaves a resource within the cap as it was', () => {
    const capped = compileView(repeatTwice, {}, { maxRowsPerResource: 1_000 });
    expect(capped.rows(nestedItems(5))).toEqual(compileView(repeatTwice).rows(nestedItems(5)));
    expect(capped.rows(nestedItems(5))).toHaveLength(62);
  });
});

describe('budgetedRows', () => {
  const evaluator = compileView(patientView);

  it('stops reading resources once _limit rows are out', async () => {
    const { source, resources } = counted(Array.from({ length: 100 }, (_, i) => patient(`p${i}`)));
    const rows = await collect(budgetedRows(evaluator, resources, { limit: 3, maxRows: 1_000, deadline: far() }));
    expect(rows.map((r) => r.id)).toEqual(['p0', 'p1', 'p2']);
    expect(source.read).toBe(3);
    expect(source.closed).toBe(true);
  });

  it('cuts a resource making several rows at _limit, and reads no further', async () => {
    const { source, resources } = counted([patient('a', ['A', 'B', 'C']), patient('b')]);
    const rows = await collect(budgetedRows(evaluator, resources, { limit: 2, maxRows: 1_000, deadline: far() }));
    expect(rows).toEqual([
      { id: 'a', family: 'A' },
      { id: 'a', family: 'B' },
    ]);
    expect(source.read).toBe(1);
  });

  it('returns every row of a normal run within the budget', async () => {
    const resources = Array.from({ length: 50 }, (_, i) => patient(`p${i}`, ['X', 'Y']));
    const rows = await collect(budgetedRows(evaluator, resources, { maxRows: 100, deadline: far() }));
    expect(rows).toEqual(resources.flatMap((p) => evaluator.rows(p)));
  });

  it('refuses a run making more rows than maxRows, unless _limit asks for fewer', async () => {
    const resources = Array.from({ length: 50 }, (_, i) => patient(`p${i}`, ['X', 'Y']));
    await expect(collect(budgetedRows(evaluator, resources, { maxRows: 99, deadline: far() }))).rejects.toThrow(
      'the view makes more than 99 rows',
    );
    const limited = budgetedRows(evaluator, resources, { limit: 99, maxRows: 99, deadline: far() });
    expect(await collect(limited)).toHaveLength(99);
  });

  it('refuses a run past its deadline, reading nothing more', async () => {
    const { source, resources } = counted([patient('a'), patient('b')]);
    const rows = budgetedRows(evaluator, resources, { maxRows: 100, deadline: Date.now() - 1 });
    await expect(collect(rows)).rejects.toThrow('the run took too long');
    expect(source.read).toBe(1);
    expect(source.closed).toBe(true);
  });

  it('stops evaluating one resource when the deadline passes during it', () => {
    const late = compileView(patientView, {}, { deadline: Date.now() - 1 });
    expect(() => late.rows(patient('a'))).toThrow(/^Patient\/a: the run took too long/);
  });
});
