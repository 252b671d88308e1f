import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type RowValues, type ViewColumnInfo } from '@fhir-bulk/view-definition';
import { ParquetValueError, writeParquet } from '../src';

const column = (name: string, type: string, collection = false, ansiType?: string): ViewColumnInfo => ({
  name,
  type,
  collection,
  tags: ansiType ? [{ name: 'ansi/type', value: ansiType }] : [],
});
const COLUMNS = [
  column('id', 'id'),
  column('active', 'boolean'),
  column('count', 'integer'),
  column('big', 'integer64'),
  column('weight', 'decimal'),
  column('birth_date', 'date', false, 'DATE'),
  column('effective', 'dateTime'),
  column('updated', 'instant'),
  column('given', 'string', true),
  column('scores', 'integer', true),
  column('name', 'HumanName'),
];
const ROWS: RowValues[] = [
  [
    'a',
    true,
    3,
    '9007199254740993',
    72.5,
    '1960-02-29',
    '2024-05',
    '2024-05-01T10:20:30.456+02:00',
    ['Ann', 'Lee'],
    [1, 2],
    { family: 'Ng', given: ['Ann'] },
  ],
  ['b', null, null, null, null, null, null, null, [], [], null],
  [
    'c',
    false,
    -7,
    '-1',
    0.1,
    '2024-12-31',
    '2024-05-01T10:20:30Z',
    '1969-12-31T23:59:59Z',
    ['Bo'],
    [0],
    { text: 'Bo' },
  ],
];

let dir: string;
let duckdb: DuckDBConnection;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parquet-test-'));
  duckdb = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => {
  duckdb.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

async function write(name: string, rows: RowValues[], columns = COLUMNS, rowGroupSize?: number) {
  const file = join(dir, `${name}.parquet`);
  const result = await writeParquet(toAsync(rows), columns, createWriteStream(file), { rowGroupSize });
  return { file, result };
}
async function* toAsync(rows: RowValues[]) {
  yield* rows;
}
const query = async (sql: string) => (await duckdb.runAndReadAll(sql)).getRowObjectsJson();

describe('writeParquet', () => {
  it('stores each FHIR type as the Parquet type DuckDB reads back', async () => {
    const { file } = await write('types', ROWS);
    const types = await query(`DESCRIBE SELECT * FROM '${file}'`);
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      id: 'VARCHAR',
      active: 'BOOLEAN',
      count: 'INTEGER',
      big: 'BIGINT',
      weight: 'DOUBLE',
      birth_date: 'DATE',
      effective: 'VARCHAR',
      updated: 'TIMESTAMP WITH TIME ZONE',
      given: 'VARCHAR[]',
      scores: 'INTEGER[]',
      name: 'JSON',
    });
  });

  it('reads back the exact values, nulls and empty lists', async () => {
    const { file, result } = await write('values', ROWS);
    const rows = await query(
      `SET TimeZone = 'UTC'; SELECT *, epoch_ms(updated) AS updated_ms FROM '${file}' ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        id: 'a',
        active: true,
        count: 3,
        big: '9007199254740993',
        weight: 72.5,
        birth_date: '1960-02-29',
        effective: '2024-05',
        updated: '2024-05-01 08:20:30.456+00',
        updated_ms: '1714551630456',
        given: ['Ann', 'Lee'],
        scores: [1, 2],
        name: '{"family":"Ng","given":["Ann"]}',
      },
      {
        id: 'b',
        active: null,
        count: null,
        big: null,
        weight: null,
        birth_date: null,
        effective: null,
        updated: null,
        updated_ms: null,
        given: [],
        scores: [],
        name: null,
      },
      {
        id: 'c',
        active: false,
        count: -7,
        big: '-1',
        weight: 0.1,
        birth_date: '2024-12-31',
        effective: '2024-05-01T10:20:30Z',
        updated: '1969-12-31 23:59:59+00',
        updated_ms: '-1000',
        given: ['Bo'],
        scores: [0],
        name: '{"text":"Bo"}',
      },
    ]);
    expect(result.rows).toBe(3);
  });

  it('reports the rows and bytes it wrote, a row group at a time', async () => {
    const many = Array.from({ length: 2_500 }, (_, i) => ROWS[i % 3]!.map((v, c) => (c === 0 ? `r${i}` : v)));
    const { file, result } = await write('groups', many, COLUMNS, 1_000);
    const [meta] = await query(
      `SELECT count(DISTINCT row_group_id)::INTEGER AS groups FROM parquet_metadata('${file}')`,
    );
    const [count] = await query(`SELECT count(*)::INTEGER AS n, count(updated)::INTEGER AS updated FROM '${file}'`);
    const [codec] = await query(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
    expect(meta).toEqual({ groups: 3 });
    expect(count).toEqual({ n: 2_500, updated: 1_667 });
    expect(codec).toEqual({ compression: 'SNAPPY' });
    expect(result).toEqual({ rows: 2_500, bytes: statSync(file).size });
  });

  it('writes a valid file with no rows', async () => {
    const { file, result } = await write('empty', []);
    expect(result.rows).toBe(0);
    expect(await query(`SELECT count(*)::INTEGER AS n FROM '${file}'`)).toEqual([{ n: 0 }]);
  });

  it('keeps dates as ISO 8601 text unless the view asks for a native type, so partial dates survive', async () => {
    const columns = [column('born', 'date'), column('seen', 'dateTime', false, 'TIMESTAMP'), column('n', 'date')];
    const rows: RowValues[] = [
      ['1970', '2024-05-01T10:20:30Z', '1970-05'],
      ['1980-02-29', '2024-05-01T12:00:00+02:00', null],
    ];
    const { file } = await write('dates', rows, columns);
    const types = await query(`DESCRIBE SELECT * FROM '${file}'`);
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      born: 'VARCHAR',
      seen: 'TIMESTAMP WITH TIME ZONE',
      n: 'VARCHAR',
    });
    expect(await query(`SELECT born, epoch_ms(seen)::VARCHAR AS seen, n FROM '${file}'`)).toEqual([
      { born: '1970', seen: String(Date.parse('2024-05-01T10:20:30Z')), n: '1970-05' },
      { born: '1980-02-29', seen: String(Date.parse('2024-05-01T10:00:00Z')), n: null },
    ]);
  });

  it('refuses a partial date rather than moving it to a first day, and destroys the sink', async () => {
    const row = [...ROWS[1]!];
    row[5] = '1970-05';
    const sink = createWriteStream(join(dir, 'partial.parquet'));
    const failed = new Promise((resolve) => sink.on('error', resolve));
    await expect(writeParquet(toAsync([row]), COLUMNS, sink)).rejects.toThrow(ParquetValueError);
    expect(await failed).toBeInstanceOf(ParquetValueError);
    expect(sink.destroyed).toBe(true);
  });
});
