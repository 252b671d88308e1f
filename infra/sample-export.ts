/**
 * The sample export `npm start` ends with: a real client of the HTTP API (kick-off, poll, manifest), followed by
 * a check of the output in S3, so a newcomer sees the whole pipeline work and not just a 202.
 *   tsx infra/sample-export.ts --tenant sample --patients 100 --api http://127.0.0.1:8080 --client FILE
 * Requests carry the access tokens of the client in `--client` (a client file of `npm run auth -- register`);
 * without it they carry none, which only an API with AUTH_MODE=none accepts. Its client steps are exported for
 * sample-import.ts, which sends this export's Patient file back in.
 */
import { type Config, loadConfig } from '@fhir-bulk/config';
import { type ExportManifest, fileName, jobPrefix } from '@fhir-bulk/export';
import { pollJobStatus } from '@fhir-bulk/test-support/src/status-poll';
import { objectStoreFromConfig } from '@fhir-bulk/object-store';
import { parseArgs } from 'node:util';
import { type Send, sendAs } from './auth-cli/client-file';

const TYPES = ['Patient', 'Encounter', 'Observation', 'Condition', 'MedicationRequest', 'Group'];

/** The FHIR base URL of `tenant` on the API at `api` (PUBLIC_BASE_URL by default); tenant `default` is the root. */
export function tenantBaseUrl(config: Config, api: string | undefined, tenant: string): string {
  const root = (api ?? config.PUBLIC_BASE_URL).replace(/\/$/, '');
  return tenant === 'default' ? root : `${root}/tenant/${tenant}`;
}

/** The options every sample takes: tenant, API and the client whose tokens its requests carry. */
export const SAMPLE_OPTIONS = {
  tenant: { type: 'string', default: 'sample' },
  api: { type: 'string' },
  client: { type: 'string' },
} as const;

/** Polls a Bulk status URL (export or import) printing its progress; returns the 200 body, throws on anything else. */
export async function awaitResult<T>(statusUrl: string, what: string, send: Send): Promise<T> {
  const response = await pollJobStatus(statusUrl, {
    onProgress: (progress) => console.log(`  ${progress}`),
    fetch: send,
  });
  if (response.status !== 200) throw new Error(`${what} ended with ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** How to download a manifest's files: with the token only when it says so (presigned S3 URLs take none). */
export const downloader = (manifest: { requiresAccessToken: boolean }, send: Send): Send =>
  manifest.requiresAccessToken ? send : fetch;

/** Where a newcomer sees the job's workflow (workflowId = job id). */
export const temporalUiLink = (config: Config, jobId: string) =>
  `${config.TEMPORAL_UI_URL}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${jobId}`;

/** Runs a script's main; a failure prints its message and exits 1, so start.sh stops there. */
export function runScript(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ...SAMPLE_OPTIONS, patients: { type: 'string' } } });
  const config = loadConfig();
  const base = tenantBaseUrl(config, values.api, values.tenant);
  const send = sendAs(values.client);

  const kickoff = await send(`${base}/$export?_type=${TYPES.join(',')}`, { headers: { Prefer: 'respond-async' } });
  if (kickoff.status !== 202) throw new Error(`kick-off answered ${kickoff.status}: ${await kickoff.text()}`);
  const statusUrl = kickoff.headers.get('content-location')!;
  const jobId = statusUrl.slice(statusUrl.lastIndexOf('/') + 1);
  console.log(`export started: ${statusUrl}`);

  const manifest = await awaitResult<ExportManifest>(statusUrl, 'export', send);
  console.log(JSON.stringify(manifest, null, 2));

  // Check the output itself: the Patient file in S3 has exactly one line per sample patient.
  const objects = objectStoreFromConfig(config);
  const patientOutputs = manifest.output.filter((o) => o.type === 'Patient');
  let lines = 0;
  for (const output of patientOutputs) {
    const text = await objects.getText(`${jobPrefix(values.tenant, jobId)}${fileName(output.url)}`);
    lines += text.split('\n').filter(Boolean).length;
  }
  const counted = patientOutputs.reduce((sum, o) => sum + o.count, 0);
  const expected = values.patients ? Number(values.patients) : counted;
  console.log(`Patient: manifest count ${counted}, lines in S3 ${lines}, sample size ${expected}`);
  console.log(`Temporal UI: ${temporalUiLink(config, jobId)}`);
  if (counted !== expected || lines !== expected) throw new Error('the export does not match the sample population');
}

// Only when run as a script: sample-import.ts imports the helpers above without running an export.
if (require.main === module) runScript(main);
