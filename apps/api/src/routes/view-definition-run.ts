import { type NamedElements, OperationOutcomeError, outcome, requestParameters } from '@fhir-bulk/fhir';
import type { RestContext } from '@fhir-bulk/rest';
import { ACCEPTED_MEDIA_TYPES, type RowFormat, rowFormatOf } from '@fhir-bulk/view-definition';
import { parseRunParameters, type RunBudget, runView } from '@fhir-bulk/view-operations';
import { type Request, type RequestHandler, Router } from 'express';
import { operationBody } from '../operation-body';
import { withExactResources } from '../view-run-body';
import { sendViewRun } from '../view-run-response';

/**
 * `$viewdefinition-run` at the system level (the R4 form), the type level and the instance level. GET takes the
 * parameters from the query string; POST also from a `Parameters` body (the only way to send resources).
 */
export function viewDefinitionRunRoutes(ctx: (req: Request) => RestContext, budget: RunBudget): Router {
  const router = Router({ mergeParams: true });
  const run: RequestHandler = async (req, res) => {
    const context = ctx(req);
    const viewId = (req.params as { id?: string }).id;
    const request = parseRunParameters(parametersOf(req), { viewId, baseUrl: context.baseUrl });
    const format = request.format ?? negotiatedFormat(req);
    const viewRun = await runView(context, { ...request, format }, budget);
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

/** The query string's parameters, then those of a POST's Parameters body. */
function parametersOf(req: Request): NamedElements {
  const body = operationBody(req, '$viewdefinition-run');
  const exact = body === undefined ? undefined : withExactResources(req, body);
  return requestParameters(new URL(req.originalUrl, 'http://x').search, exact, '$viewdefinition-run');
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
