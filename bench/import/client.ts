import { pollJobStatus } from '@fhir-bulk/test-support/src/status-poll';
import type { ImportResult } from '@fhir-bulk/import';
import type { Send } from '../lib/services';

/** X-Progress is printed at most this often, so a long import shows it is moving without flooding the output. */
const PROGRESS_EVERY_MS = 30_000;

export interface ImportJob {
  jobId: string;
  statusUrl: string;
  /** performance.now() just before the kick-off was sent. */
  started: number;
}

/** An $import kick-off (IncrementalLoad of NDJSON) as a client sends it; the job id ends Content-Location. */
export async function kickOffImport(
  tenantBaseUrl: string,
  inputs: ReadonlyArray<{ type: string; url: string }>,
  send: Send,
): Promise<ImportJob> {
  const body = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'inputFormat', valueString: 'application/fhir+ndjson' },
      { name: 'mode', valueString: 'IncrementalLoad' },
      ...inputs.map(({ type, url }) => ({
        name: 'input',
        part: [
          { name: 'type', valueString: type },
          { name: 'url', valueUri: url },
        ],
      })),
    ],
  };
  const started = performance.now();
  const response = await send(`${tenantBaseUrl}/$import`, {
    method: 'POST',
    headers: { Prefer: 'respond-async', 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 202) throw new Error(`$import answered ${response.status}: ${await response.text()}`);
  const statusUrl = response.headers.get('content-location');
  if (!statusUrl) throw new Error('$import answered 202 without Content-Location');
  return { jobId: statusUrl.slice(statusUrl.lastIndexOf('/') + 1), statusUrl, started };
}

/**
 * Polls the status URL as Retry-After asks until it answers 200 with the result; any other final answer (an
 * OperationOutcome) is a failure. The export's poller serves: the import's status protocol is the same.
 */
export async function awaitImportResult(
  job: ImportJob,
  log: (message: string) => void,
  send: Send,
): Promise<{ result: ImportResult; seconds: number }> {
  let lastLogged = performance.now();
  const response = await pollJobStatus(job.statusUrl, {
    fetch: send,
    onProgress: (progress) => {
      if (performance.now() - lastLogged < PROGRESS_EVERY_MS) return;
      lastLogged = performance.now();
      log(progress ?? 'in progress');
    },
  });
  if (response.status !== 200) throw new Error(`import status answered ${response.status}: ${await response.text()}`);
  const result = (await response.json()) as ImportResult;
  return { result, seconds: (performance.now() - job.started) / 1000 };
}
