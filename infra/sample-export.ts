/**
 * The sample export `npm start` ends with: a real client of the HTTP API (kick-off, poll, manifest), followed by
 * a check of the output in S3, so a newcomer sees the whole pipeline work and not just a 202.
 *   tsx infra/sample-export.ts --tenant sample --patients 100 --api http://127.0.0.1:8080
 */
import { loadConfig } from '@fhir-bulk/config';
import { type ExportManifest, fileName, jobPrefix, pollExportStatus } from '@fhir-bulk/export';
import { objectStoreFromConfig } from '@fhir-bulk/object-store';
import { parseArgs } from 'node:util';

const TYPES = ['Patient', 'Encounter', 'Observation', 'Condition', 'MedicationRequest', 'Group'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { tenant: { type: 'string', default: 'sample' }, patients: { type: 'string' }, api: { type: 'string' } },
  });
  const config = loadConfig();
  const api = (values.api ?? config.PUBLIC_BASE_URL).replace(/\/$/, '');
  const base = values.tenant === 'default' ? api : `${api}/tenant/${values.tenant}`;

  const kickoff = await fetch(`${base}/$export?_type=${TYPES.join(',')}`, { headers: { Prefer: 'respond-async' } });
  if (kickoff.status !== 202) throw new Error(`kick-off answered ${kickoff.status}: ${await kickoff.text()}`);
  const statusUrl = kickoff.headers.get('content-location')!;
  const jobId = statusUrl.slice(statusUrl.lastIndexOf('/') + 1);
  console.log(`export started: ${statusUrl}`);

  const response = await pollExportStatus(statusUrl, { onProgress: (progress) => console.log(`  ${progress}`) });
  if (response.status !== 200) throw new Error(`export ended with ${response.status}: ${await response.text()}`);
  const manifest = (await response.json()) as ExportManifest;
  console.log(JSON.stringify(manifest, null, 2));

  // Check the output itself: the Patient file in S3 has exactly one line per sample patient.
  const objects = objectStoreFromConfig(config);
  const patientOutputs = manifest.output.filter((o) => o.type === 'Patient');
  let lines = 0;
  for (const output of patientOutputs) {
    const text = await objects.getText(`${jobPrefix(values.tenant!, jobId)}${fileName(output.url)}`);
    lines += text.split('\n').filter(Boolean).length;
  }
  const counted = patientOutputs.reduce((sum, o) => sum + o.count, 0);
  const expected = values.patients ? Number(values.patients) : counted;
  console.log(`Patient: manifest count ${counted}, lines in S3 ${lines}, sample size ${expected}`);
  console.log(`Temporal UI: ${config.TEMPORAL_UI_URL}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${jobId}`);
  if (counted !== expected || lines !== expected) throw new Error('the export does not match the sample population');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
