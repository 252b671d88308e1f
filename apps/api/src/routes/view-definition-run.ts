import { OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import type { RestContext } from '@fhir-bulk/rest';
import {
  ACCEPTED_MEDIA_TYPES,
  bodyRunParameters,
  parseRunParameters,
  queryRunParameters,
  type RowFormat,
  rowFormatOf,
  type RunParameter,
  runView,
} from '@fhir-bulk/view-definition';
import { type Request, type RequestHandler, Router } from 'express';
import { sendViewRun } from '../view-run-response';

/**
 * `$viewdefinition-run` at the system level (the R4 form), the type level and the instance level. GET takes the
 * parameters from the query string; POST also from a `Parameters` body (the only way to send resources).
 */
export function viewDefinitionRunRoutes(ctx: (req: Request) => RestContext): Router {
  const router = Router({ mergeParams: true });
  const run: RequestHandler = async (req, res) => {
    const context = ctx(req);
    const viewId = (req.params as { id?: string }).id;
    const request = parseRunParameters(parametersOf(req), { viewId, baseUrl: context.baseUrl });
    const viewRun = await runView(context, { ...request, format: request.format ?? negotiatedFormat(req) });
    await sendViewRun(res, viewRun);
  };
  for (const path of [
    '/\\$viewdefinition-run',
    '/ViewDefinition/\\$viewdefinition-run',
    '/ViewDefinition/:id/\\$viewdefinition-run',
  ]) {
    router.get(path, run).post(path, run);
  }
  return router;
}

/** The query string's parameters, then those of a POST's Parameters body (app.ts parses JSON bodies). */
function parametersOf(req: Request): RunParameter[] {
  const query = queryRunParameters(new URL(req.originalUrl, 'http://x').searchParams);
  // An instance-level POST may come without a body, or with `Content-Length: 0` and no Content-Type.
  const hasBody = req.get('Transfer-Encoding') !== undefined || Number(req.get('Content-Length') ?? 0) > 0;
  if (req.method !== 'POST' || !hasBody) return query;
  if (!req.is(['application/json', 'application/fhir+json'])) {
    const message = `A $viewdefinition-run body must be application/fhir+json, not ${req.get('Content-Type')}`;
    throw new OperationOutcomeError(415, outcome('error', 'not-supported', message));
  }
  return [...query, ...bodyRunParameters(req.body)];
}

/**
 * Without `_format` (which wins over Accept, as the spec says), the format is the best one `Accept` allows, the
 * default for none or a wildcard. Accepting none of them (e.g. only application/fhir+json, which would ask for a
 * Binary envelope this server does not make) is 406, not raw rows under a type the client did not ask for.
 */
function negotiatedFormat(req: Request): RowFormat {
  const accepted = req.accepts([...ACCEPTED_MEDIA_TYPES]);
  const format = accepted ? rowFormatOf(accepted) : undefined;
  if (format) return format;
  const message = `Accept ${req.get('Accept')} allows none of ${ACCEPTED_MEDIA_TYPES.join(', ')}; or use _format`;
  throw new OperationOutcomeError(406, outcome('error', 'not-supported', message, 'Accept'));
}
