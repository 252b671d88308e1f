/**
 * The Parquet part of `npm start`: stores the sample ViewDefinitions, exports the sample tenant through them as
 * Parquet, and reads the Patient file back with DuckDB (an independent reader) to show a few rows and check there is
 * one row per sample patient.
 *   tsx infra/sample-parquet.ts --tenant sample --patients 100 --api http://127.0.0.1:8080 --client FILE
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '@fhir-bulk/config';
import type { ExportManifest } from '@fhir-bulk/export';
import { SAMPLE_VIEW_IDS, sampleView } from '@fhir-bulk/sample-data';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sendAs } from './auth-cli/client-file';
import { awaitResult, downloader, runScript, SAMPLE_OPTIONS, temporalUiLink, tenantBaseUrl } from './sample-export';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ...SAMPLE_OPTIONS, patients: { type: 'string' } } });
  const config = loadConfig();
  const base = tenantBaseUrl(config, values.api, values.tenant);
  const send = sendAs(values.client);

  for (const id of SAMPLE_VIEW_IDS) {
    const stored = await send(`${base}/ViewDefinition/${id}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(sampleView(id)),
    });
    if (!stored.ok) throw new Error(`storing ViewDefinition/${id} answered ${stored.status}: ${await stored.text()}`);
  }
  const query = `_outputFormat=application/vnd.apache.parquet&_viewDefinition=${SAMPLE_VIEW_IDS.join(',')}`;
  const kickoff = await send(`${base}/$export?${query}`, { headers: { Prefer: 'respond-async' } });
  if (kickoff.status !== 202) throw new Error(`Parquet kick-off answered ${kickoff.status}: ${await kickoff.text()}`);
  const statusUrl = kickoff.headers.get('content-location')!;
  console.log(`Parquet export started: ${statusUrl}`);
  const manifest = await awaitResult<ExportManifest>(statusUrl, 'Parquet export', send);
  console.log(JSON.stringify(manifest.output, null, 2));

  // Download the Patient view's files as a client would, and read them with DuckDB.
  const dir = mkdtempSync(join(tmpdir(), 'fhir-bulk-sample-'));
  const get = downloader(manifest, send);
  try {
    const files = await Promise.all(
      manifest.output
        .filter((o) => o.type === 'Patient')
        .map(async (o, i) => {
          const file = join(dir, `patients-${i}.parquet`);
          const download = await get(o.url);
          if (!download.ok) throw new Error(`${o.url} answered ${download.status}: ${await download.text()}`);
          writeFileSync(file, Buffer.from(await download.arrayBuffer()));
          return file;
        }),
    );
    const duckdb = await (await DuckDBInstance.create()).connect();
    const source = `read_parquet([${files.map((f) => `'${f}'`).join(', ')}])`;
    const sample = await duckdb.runAndReadAll(
      `SELECT id, gender, birth_date, family, given, city FROM ${source} LIMIT 3`,
    );
    console.table(sample.getRowObjectsJson());
    const counted = await duckdb.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${source}`);
    const rows = Number(counted.getRowObjectsJson()[0]?.n);
    duckdb.closeSync();
    const expected = values.patients ? Number(values.patients) : rows;
    console.log(`patient_demographics: ${rows} rows read by DuckDB, sample size ${expected}`);
    console.log(`Temporal UI: ${temporalUiLink(config, statusUrl.slice(statusUrl.lastIndexOf('/') + 1))}`);
    if (rows !== expected) throw new Error('the Parquet export does not hold one row per sample patient');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runScript(main);
