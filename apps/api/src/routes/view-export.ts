import { type ExportManifest, fileName, progressText, viewOfFile } from '@fhir-bulk/export';
import { JOB_PATHS, jobStatusUrl } from '@fhir-bulk/jobs';
import { parseViewExportKickoff } from '@fhir-bulk/view-operations';
import type { IssueCode } from '@fhir-bulk/fhir';
import { type RequestHandler, Router } from 'express';
import { baseUrlOf, requestUrlOf } from '../fhir-base';
import { operationBody } from '../operation-body';
import { type KickoffDeps, startExport } from './export-kickoff';
import { type PollContext, stillRunning } from '../async-jobs/job-routes';
import { exportJobRoutes, type ExportStatusDeps } from './export-status';

/**
 * SQL on FHIR `$viewdefinition-export`: an asynchronous export of view rows (Parquet, NDJSON or CSV), run by the
 * same workflow as `$export`. The kick-off and the status polls answer with Parameters, as that operation defines;
 * files are downloaded from the export's file URLs. A failed job answers like `$export` (an OperationOutcome with
 * the failure's status), as the FHIR asynchronous pattern does.
 */
export function viewExportRoutes(kickoffDeps: KickoffDeps, statusDeps: ExportStatusDeps): Router {
  const router = Router({ mergeParams: true });
  const kickoff: RequestHandler = async (req, res) => {
    const { id } = req.params as { id?: string };
    const request = parseViewExportKickoff({
      body: operationBody(req, '$viewdefinition-export') ?? {},
      ...(id === undefined ? {} : { viewId: id }),
      prefer: req.get('Prefer'),
      baseUrl: baseUrlOf(kickoffDeps.publicBaseUrl, req),
      requestUrl: requestUrlOf(kickoffDeps.publicBaseUrl, req),
    });
    const { jobId, baseUrl } = await startExport(kickoffDeps, req, request, viewProblemStatus);
    const location = jobStatusUrl(baseUrl, JOB_PATHS.viewExport, jobId);
    res
      .status(202)
      .set('Content-Location', location)
      .type('application/fhir+json')
      .json(parameters(jobId, 'accepted', location));
  };
  for (const path of [
    '/\\$viewdefinition-export',
    '/ViewDefinition/\\$viewdefinition-export',
    '/ViewDefinition/:id/\\$viewdefinition-export',
  ]) {
    router.post(path, kickoff);
  }
  router.use(
    exportJobRoutes(statusDeps, JOB_PATHS.viewExport, {
      async running(res, status, poll) {
        stillRunning(res, progressText(status.progress), statusDeps.retryAfterSeconds).json(
          statusParameters(poll, 'in-progress'),
        );
      },
      completed(res, manifest, poll) {
        res.json(completedParameters(manifest, poll));
      },
    }),
  );
  return router;
}

/** The operation's statuses: 404 when every problem is an unknown view, 422 when every one is an invalid view. */
export function viewProblemStatus(codes: readonly IssueCode[]): number {
  if (codes.every((code) => code === 'not-found')) return 404;
  if (codes.every((code) => code === 'invalid')) return 422;
  return 400;
}

type Part = { name: string } & Record<string, unknown>;

const parameters = (jobId: string, status: string, location: string, more: Part[] = []) => ({
  resourceType: 'Parameters',
  parameter: [
    { name: 'exportId', valueString: jobId },
    { name: 'status', valueCode: status },
    { name: 'location', valueUri: location },
    ...more,
  ],
});

const statusParameters = (poll: PollContext, status: string, more: Part[] = []) =>
  parameters(poll.jobId, status, poll.statusUrl, [{ name: 'cancelUrl', valueUri: poll.statusUrl }, ...more]);

/** One `output` per view, its files as `location`s in order (`name.part` numbering is the file names' own). */
function completedParameters(manifest: ExportManifest, poll: PollContext) {
  const byView = new Map<string, string[]>();
  for (const { url } of manifest.output) {
    const view = viewOfFile(fileName(new URL(url).pathname));
    byView.set(view, [...(byView.get(view) ?? []), url]);
  }
  const extension = manifest.output[0] ? /\.(\w+)$/.exec(new URL(manifest.output[0].url).pathname)?.[1] : undefined;
  return statusParameters(poll, 'completed', [
    ...(extension ? [{ name: '_format', valueCode: extension }] : []),
    { name: 'exportStartTime', valueInstant: manifest.transactionTime },
    ...[...byView].map(([name, urls]) => ({
      name: 'output',
      part: [{ name: 'name', valueString: name }, ...urls.map((url) => ({ name: 'location', valueUri: url }))],
    })),
  ]);
}
