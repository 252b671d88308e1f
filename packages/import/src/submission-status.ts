import type { ImportJobStatus } from './import-result';
import type { Submission } from './submission';

/** The logical model the IG defines for this manifest (4.0.0-ballot). */
export const SUBMIT_STATUS_MANIFEST_TYPE =
  'http://hl7.org/fhir/uv/bulkdata/StructureDefinition/BulkSubmitStatusManifest';

/** An `outcome` item: a file of OperationOutcomes (one per bad line) from a submitted manifest's files. */
export interface SubmitStatusOutcome {
  url: string;
  manifestUrl: string;
  countSeverity: Array<{ code: 'error'; count: number }>;
}

/** The Bulk Submit Status Manifest (no `output`: this server returns no resources from a submission). */
export interface SubmitStatusManifest {
  manifestType: string;
  submissionId: string;
  transactionTime: string;
  requiresAccessToken: true;
  outputFormat: 'application/fhir+ndjson';
  output: [];
  outcome: SubmitStatusOutcome[];
}

/** What a poll answers; the last three are failures, which the API turns into OperationOutcomes. */
export type SubmitStatusAnswer =
  | { state: 'running'; progress: string }
  | { state: 'done'; manifest: SubmitStatusManifest }
  /** The Data Provider stopped the submission. */
  | { state: 'stopped' }
  /** A manifest's import failed; `clientFault` as for the import job itself. */
  | { state: 'failed'; manifestUrl: string; message: string; clientFault: boolean }
  /** A manifest's import job is gone, though the submission still names it. */
  | { state: 'lost'; manifestUrl: string };

/**
 * What a `$bulk-submit-status` poll answers, from the submission and the status of each manifest's import job
 * (replaced manifests left out): running until the Data Provider said `completed` and every job is done; then the
 * status manifest, whose `outcome` lists each job's error files under its `manifestUrl`. A stopped submission, or the
 * first manifest whose import failed or is lost, ends the answer there.
 */
export function submitStatusAnswer(
  submission: Submission,
  jobs: ReadonlyMap<string, ImportJobStatus>,
  now: Date,
): SubmitStatusAnswer {
  if (submission.status === 'stopped') return { state: 'stopped' };
  const active = submission.manifests.filter((m) => !m.replaced);
  let running = 0;
  let resources = 0;
  const outcomes: SubmitStatusOutcome[] = [];
  for (const manifest of active) {
    const job = manifest.jobId === undefined ? undefined : jobs.get(manifest.jobId);
    if (manifest.jobId === undefined) continue;
    if (!job || job.state === 'gone') return { state: 'lost', manifestUrl: manifest.manifestUrl };
    if (job.state === 'failed') {
      const { message, clientFault } = job;
      return { state: 'failed', manifestUrl: manifest.manifestUrl, message, clientFault };
    }
    if (job.state === 'running') {
      running++;
      resources += job.progress?.resources ?? 0;
      continue;
    }
    resources += job.result.output.reduce((sum, o) => sum + o.count, 0);
    for (const error of job.result.error) {
      outcomes.push({
        url: error.url!,
        manifestUrl: manifest.manifestUrl,
        countSeverity: [{ code: 'error', count: error.count }],
      });
    }
  }
  if (running > 0 || submission.status === 'in-progress') {
    const waiting = submission.status === 'in-progress' ? 'awaiting more manifests' : 'completed by its provider';
    const imported = `${active.length - running} of ${active.length} manifests imported`;
    return { state: 'running', progress: `Submission ${waiting}; ${imported}, ${resources} resources` };
  }
  return {
    state: 'done',
    manifest: {
      manifestType: SUBMIT_STATUS_MANIFEST_TYPE,
      submissionId: submission.submissionId,
      transactionTime: now.toISOString(),
      requiresAccessToken: true,
      outputFormat: 'application/fhir+ndjson',
      output: [],
      outcome: outcomes,
    },
  };
}
