import { OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import { read, type RestContext } from '@fhir-bulk/rest';
import { compileView, type ViewEvaluator, type ViewRow } from './compile-view';
import { rowEncoder, type RowEncoder, type RowFormat } from './row-formats';
import type { RunRequest } from './run-parameters';
import type { FhirJson } from './view-definition';
import { ViewDefinitionError, ViewEvaluationError } from './view-errors';
import { invalidView, unprocessableResource } from './view-problems';
import { VIEW_DEFINITION } from './view-resources';
import { inlineResources, storedResources } from './view-source';

export interface ViewRun {
  /** The format's media type, with parameters. */
  contentType: string;
  /** The body in pieces, made as it is read; a resource the view fails on throws an OperationOutcomeError (422). */
  body: AsyncGenerator<string>;
}

/**
 * `$viewdefinition-run` (https://sql-on-fhir.org/ig/latest/OperationDefinition-ViewDefinitionRun.html). Whatever
 * can fail before the first row fails here, while a status can still be sent: an unknown view (404), an invalid
 * one (422), an unknown patient (400). The rows are made as `body` is read, so memory does not grow with the data.
 */
export async function runView(ctx: RestContext, request: RunRequest & { format: RowFormat }): Promise<ViewRun> {
  const view = 'id' in request.view ? (await read(ctx, VIEW_DEFINITION, request.view.id)).body : request.view.resource;
  const evaluator = compiled(view);
  if (!request.resources) {
    // Rows of stored data reveal what a search and reads of the view's type would.
    ctx.authorize(evaluator.resourceType, 'search-type');
    ctx.authorize(evaluator.resourceType, 'read');
    await checkPatients(ctx, request.patients);
  }
  const filters = { patients: request.patients, since: request.since };
  const resources = request.resources
    ? inlineResources(request.resources, evaluator.resourceType, filters)
    : storedResources(ctx.store, ctx.tenant, evaluator.resourceType, filters);
  const encoder = rowEncoder(request.format, evaluator.columns, request.header);
  return { contentType: encoder.contentType, body: encode(evaluator, resources, encoder, request.limit) };
}

function compiled(view: unknown): ViewEvaluator {
  try {
    return compileView(view);
  } catch (error) {
    if (error instanceof ViewDefinitionError) throw invalidView(error.problems, 422);
    throw error;
  }
}

/** The spec: a `patient` the server does not have is a 400 naming it, not an empty result. */
async function checkPatients(ctx: RestContext, ids: readonly string[]): Promise<void> {
  const docs = await Promise.all(ids.map((id) => ctx.store.read(ctx.tenant, 'Patient', id)));
  const missing = ids.filter((_, i) => !docs[i] || docs[i].deleted);
  if (missing.length > 0) {
    const names = missing.map((id) => `Patient/${id}`).join(', ');
    throw new OperationOutcomeError(400, outcome('error', 'not-found', `${names} is not known`, 'patient'));
  }
}

async function* encode(
  evaluator: ViewEvaluator,
  resources: AsyncIterable<FhirJson> | Iterable<FhirJson>,
  encoder: RowEncoder,
  limit = Infinity,
): AsyncGenerator<string> {
  yield encoder.head;
  let count = 0;
  for await (const resource of resources) {
    for (const row of rowsOf(evaluator, resource).slice(0, limit - count)) yield encoder.row(row, count++);
    // Stops reading, which closes a store cursor: the rest of the type is never scanned.
    if (count >= limit) break;
  }
  yield encoder.tail;
}

function rowsOf(evaluator: ViewEvaluator, resource: FhirJson): ViewRow[] {
  try {
    return evaluator.rows(resource);
  } catch (error) {
    if (error instanceof ViewEvaluationError) throw unprocessableResource(error);
    throw error;
  }
}
