/**
 * The sample import `npm start` ends with: the Patient file(s) of the sample export, downloaded through its manifest
 * as a client would and put in the import bucket, loaded back with $import into another tenant, then counted there
 * through the FHIR API, so a newcomer sees a round trip export → S3 → import → search work end to end.
 *   tsx infra/sample-import.ts --export <the sample export's status URL> --tenant sample-import --client FILE
 * `--client` must be the client that started the export: only it may read that job.
 */
import { type Config, loadConfig } from '@fhir-bulk/config';
import { type ExportManifest, fileName, NDJSON } from '@fhir-bulk/export';
import { importKickoffBody, type ImportResult } from '@fhir-bulk/import';
import { objectStoreFromConfig } from '@fhir-bulk/object-store';
import { connectMongo, ResourceStore } from '@fhir-bulk/store';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { sendAs } from './auth-cli/client-file';
import { awaitResult, downloader, runScript, SAMPLE_OPTIONS, temporalUiLink, tenantBaseUrl } from './sample-export';

/** Fixed keys, overwritten by every `npm start`, so repeated runs do not pile up copies in the input bucket. */
const INPUT_PREFIX = 'sample-export/';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { ...SAMPLE_OPTIONS, tenant: { type: 'string', default: 'sample-import' }, export: { type: 'string' } },
  });
  if (!values.export) throw new Error('--export <status URL of a completed export> is required');
  const config = loadConfig();
  const bucket = config.IMPORT_S3_BUCKETS[0];
  if (!bucket) throw new Error('IMPORT_S3_BUCKETS is empty: there is no bucket $import may read from');
  const base = tenantBaseUrl(config, values.api, values.tenant);
  const send = sendAs(values.client);
  await emptyTenant(config, values.tenant);

  // The export's manifest, asked for again at its status URL, names the Patient files and how many each holds.
  const manifest = await awaitResult<ExportManifest>(values.export, 'export', send);
  const patientFiles = manifest.output.filter((o) => o.type === 'Patient');
  const exported = patientFiles.reduce((sum, o) => sum + o.count, 0);
  if (exported === 0) throw new Error(`the export at ${values.export} has no Patient output to import`);

  // Download each file from the API and stream it into the input bucket (created here: nothing else makes it).
  const inputs = objectStoreFromConfig(config).inBucket(bucket);
  await inputs.ensureBucket();
  const urls: string[] = [];
  const get = downloader(manifest, send);
  for (const file of patientFiles) {
    const download = await get(file.url);
    if (!download.ok || !download.body) throw new Error(`${file.url} answered ${download.status}`);
    // A tenant imports only from its own prefix of the bucket: `{tenant}/…`.
    const key = `${values.tenant}/${INPUT_PREFIX}${fileName(file.url)}`;
    await inputs.put(key, Readable.fromWeb(download.body as WebReadableStream<Uint8Array>), NDJSON);
    urls.push(`s3://${bucket}/${key}`);
  }

  const kickoff = await send(`${base}/$import`, {
    method: 'POST',
    headers: { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(importKickoffBody(urls.map((url) => ({ type: 'Patient', url })))),
  });
  if (kickoff.status !== 202) throw new Error(`$import answered ${kickoff.status}: ${await kickoff.text()}`);
  const statusUrl = kickoff.headers.get('content-location')!;
  const jobId = statusUrl.slice(statusUrl.lastIndexOf('/') + 1);
  console.log(`import started: ${statusUrl}`);

  const result = await awaitResult<ImportResult>(statusUrl, 'import', send);
  console.log(JSON.stringify(result, null, 2));

  // Check where the resources landed: every exported patient imported once, and the tenant holds exactly those.
  const imported = result.output.reduce((sum, o) => sum + o.count, 0);
  const badLines = result.error.reduce((sum, o) => sum + o.count, 0);
  const search = await send(`${base}/Patient?_count=1`);
  if (!search.ok) throw new Error(`Patient search answered ${search.status}: ${await search.text()}`);
  const { total } = (await search.json()) as { total?: number };
  console.log(
    `Patient: exported ${exported}, imported ${imported}, bad lines ${badLines}, total in ${values.tenant} ${total}`,
  );
  console.log(`Temporal UI: ${temporalUiLink(config, jobId)}`);
  if (imported !== exported || total !== exported)
    throw new Error(`the import does not match the export: ${exported} exported, ${imported} imported, total ${total}`);
}

/**
 * Empties the target tenant first, as the sample loader's --replace does for `sample`: otherwise patients left by
 * an earlier `npm start` with a larger SAMPLE_PATIENTS would count in the total.
 */
async function emptyTenant(config: Config, tenant: string): Promise<void> {
  const mongo = await connectMongo(config.MONGODB_URL);
  try {
    await new ResourceStore(mongo.db(config.MONGODB_DB)).deleteTenant(tenant);
  } finally {
    await mongo.close();
  }
}

runScript(main);
