/**
 * Measures `writeParquet` against reading the rows alone: `npx tsx packages/parquet/scripts/compare-writers.ts [rows]`.
 * Rows come from two views over the synthetic population (5,000 patients), replayed with fresh ids up to the row
 * count; each run is a child process of its own so that peak RSS is its own. DuckDB reads every file back.
 * parquetjs-lite was measured with a second writer here (see docs/decisions.md) and then uninstalled.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generatePopulation } from '@fhir-bulk/sample-data';
import { compileView, type RowValues, type ViewEvaluator } from '@fhir-bulk/view-definition';
import { writeParquet } from '../src';

const VIEWS = {
  patient: {
    resourceType: 'ViewDefinition',
    resource: 'Patient',
    status: 'active',
    select: [
      {
        column: [
          { name: 'id', path: 'getResourceKey()' },
          { name: 'active', path: 'active' },
          { name: 'gender', path: 'gender' },
          { name: 'birth_date', path: 'birthDate' },
          { name: 'last_updated', path: 'meta.lastUpdated' },
          { name: 'family', path: "name.where(use = 'official').family.first()" },
          { name: 'given', path: 'name.given', collection: true },
          { name: 'phones', path: "telecom.where(system = 'phone').value", collection: true },
          { name: 'city', path: 'address.city.first()' },
          { name: 'postal_code', path: 'address.postalCode.first()' },
          { name: 'mrn', path: 'identifier.first()' },
        ],
      },
    ],
  },
  observation: {
    resourceType: 'ViewDefinition',
    resource: 'Observation',
    status: 'active',
    select: [
      {
        column: [
          { name: 'id', path: 'getResourceKey()' },
          { name: 'patient_id', path: 'subject.getReferenceKey(Patient)' },
          { name: 'code', path: 'code.coding.code.first()' },
          { name: 'effective', path: 'effective.ofType(dateTime)' },
          { name: 'last_updated', path: 'meta.lastUpdated' },
          { name: 'value', path: 'value.ofType(Quantity).value' },
        ],
      },
      {
        forEachOrNull: 'component',
        column: [
          { name: 'component_code', path: 'code.coding.code.first()' },
          { name: 'component_value', path: 'value.ofType(Quantity).value' },
          { name: 'component_unit', path: 'value.ofType(Quantity).unit' },
        ],
      },
    ],
  },
} as const;
type ViewName = keyof typeof VIEWS;
const WRITERS = ['none', 'hyparquet-writer'] as const;
type WriterName = (typeof WRITERS)[number];

/** Distinct rows of a view over the population; `meta.lastUpdated` stamped as the store would. */
function sampleRows(view: ViewEvaluator): RowValues[] {
  const rows: RowValues[] = [];
  let n = 0;
  for (const resource of generatePopulation({ patients: 5_000 })) {
    const stamped = { ...resource, meta: { lastUpdated: new Date(Date.UTC(2026, 0, 1) + n++ * 997).toISOString() } };
    for (const row of view.tuples(stamped)) rows.push(row);
  }
  return rows;
}

/** The sample replayed to `count` rows; the id column gets the round's number so ids stay unique. */
async function* replay(sample: RowValues[], count: number): AsyncGenerator<RowValues> {
  for (let i = 0; i < count; i++) {
    const row = sample[i % sample.length] as RowValues;
    const round = Math.floor(i / sample.length);
    yield round === 0 ? row : [`${String(row[0])}-${round}`, ...row.slice(1)];
  }
}

async function child(viewName: ViewName, writer: WriterName, count: number, file: string) {
  const view = compileView(VIEWS[viewName]);
  const sample = sampleRows(view);
  const start = performance.now();
  const rows = replay(sample, count);
  if (writer === 'none') for await (const _ of rows);
  else await writeParquet(rows, view.columns, createWriteStream(file));
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

async function readBack(file: string) {
  const duckdb = await (await DuckDBInstance.create(':memory:')).connect();
  const source = `read_parquet('${file}')`;
  const types = (await duckdb.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`))
    .getRowObjectsJS()
    .map((r) => `${String(r.column_name)} ${String(r.column_type)}`);
  const first = (await duckdb.runAndReadAll(`SELECT * FROM ${source} LIMIT 1`)).getRowObjectsJson()[0];
  const count = (await duckdb.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${source}`)).getRowObjectsJS()[0];
  const start = performance.now();
  await duckdb.runAndReadAll(`SELECT * FROM ${source}`);
  duckdb.closeSync();
  return { types, first, rows: count?.n, fullScanSeconds: (performance.now() - start) / 1000 };
}

async function main() {
  const [mode, viewName, writer, count, file] = process.argv.slice(2);
  if (mode === 'child') return child(viewName as ViewName, writer as WriterName, Number(count), file as string);
  const rows = Number(mode ?? 500_000);
  for (const name of Object.keys(VIEWS) as ViewName[]) {
    for (const w of WRITERS) {
      const out = join(tmpdir(), `compare-${name}-${w}.parquet`);
      const args = ['tsx', __filename, 'child', name, w, String(rows), out];
      const result = JSON.parse(execFileSync('npx', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
      const extra = w === 'none' ? {} : { mb: statSync(out).size / 1e6, readBack: await readBack(out) };
      console.log(JSON.stringify({ view: name, writer: w, rows, ...result, ...extra }));
    }
  }
}

// A failure ends the script as an unhandled rejection: Node prints it and exits 1, all a script needs.
void main();
