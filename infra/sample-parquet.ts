/**
 * The Parquet part of `npm start`, around the CLI's Parquet export (`fhir-bulk export --parquet --view …`):
 *   tsx infra/sample-parquet.ts views --tenant sample --api URL --client FILE   stores the sample ViewDefinitions
 *   tsx infra/sample-parquet.ts check --dir DIR --patients 100                    reads the Patient view's files back
 * `check` reads the downloaded files with DuckDB (an independent reader), shows a few rows and checks there is one
 * row per sample patient.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { SAMPLE_VIEW_IDS, sampleView } from '@fhir-bulk/sample-data';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sendAs } from './auth-cli/client-file';
import { apiUrl } from './auth-cli/local-state';

async function storeViews(tenant: string, api: string, clientFile: string | undefined): Promise<void> {
  const base = tenant === 'default' ? api : `${api}/tenant/${tenant}`;
  const send = sendAs(clientFile);
  for (const id of SAMPLE_VIEW_IDS) {
    const stored = await send(`${base}/ViewDefinition/${id}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(sampleView(id)),
    });
    if (!stored.ok) throw new Error(`storing ViewDefinition/${id} answered ${stored.status}: ${await stored.text()}`);
  }
  console.log(`stored ViewDefinitions ${SAMPLE_VIEW_IDS.join(', ')} in tenant ${tenant}`);
}

async function checkRows(dir: string, patients: number | undefined): Promise<void> {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    output: Array<{ type: string; url: string }>;
  };
  const names = new Set(manifest.output.filter((o) => o.type === 'Patient').map((o) => o.url.split('/').pop()!));
  const files = readdirSync(dir).filter((name) => names.has(name));
  if (files.length === 0) throw new Error(`no Patient view files in ${dir}`);
  const duckdb = await (await DuckDBInstance.create()).connect();
  const source = `read_parquet([${files.map((f) => `'${join(dir, f)}'`).join(', ')}])`;
  const sample = await duckdb.runAndReadAll(
    `SELECT id, gender, birth_date, family, given, city FROM ${source} LIMIT 3`,
  );
  console.table(sample.getRowObjectsJson());
  const counted = await duckdb.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${source}`);
  const rows = Number(counted.getRowObjectsJson()[0]?.n);
  duckdb.closeSync();
  const expected = patients ?? rows;
  console.log(`patient_demographics: ${rows} rows read by DuckDB, sample size ${expected}`);
  if (rows !== expected) throw new Error('the Parquet export does not hold one row per sample patient');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string', default: 'sample' },
      api: { type: 'string' },
      client: { type: 'string' },
      dir: { type: 'string' },
      patients: { type: 'string' },
    },
  });
  if (positionals[0] === 'views') return storeViews(values.tenant, apiUrl(values.api), values.client);
  if (positionals[0] === 'check' && values.dir) {
    return checkRows(values.dir, values.patients === undefined ? undefined : Number(values.patients));
  }
  throw new Error(
    'usage: sample-parquet.ts views [--tenant T --api URL --client FILE] | check --dir DIR [--patients N]',
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
