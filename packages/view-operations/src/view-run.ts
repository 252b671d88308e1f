import { type FhirVersion, fhirRelease, OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import { read, type RestContext } from '@fhir-bulk/rest';
import {
  compileView,
  rowEncoder,
  type RowEncoder,
  type RowFormat,
  ViewBudgetError,
  ViewDefinitionError,
  ViewEvaluationError,
  type ViewEvaluator,
  type ViewRow,
} from '@fhir-bulk/view-definition';
import { budgetedRows, type RunBudget } from './run-budget';
import type { RunRequest } from './run-parameters';
import { invalidView, tooCostly, unprocessableResource } from './view-problems';
import { VIEW_DEFINITION } from './view-storage';
import { inlineResources, storedResources } from './view-source';

export interface ViewRun {
  /** The format's media type, with parameters. */
  contentType: string;
  /**
   * The body in pieces, made as it is read; a resource the view fails on, or going over the budget, throws an
   * OperationOutcomeError (422).
   */
  body: AsyncGenerator<string>;
}

/**
 * `$viewdefinition-run` (https://sql-on-fhir.org/ig/latest/OperationDefinition-ViewDefinitionRun.html). Whatever
 * can fail before the first row fails here, while a status can still be sent: an unknown view (404), an invalid
 * one (422), an unknown patient (400). The rows are made as `body` is read, so memory does not grow with the data;
 * `budget` bounds what the run may cost (see `budgetedRows`), from the time the request is read.
 */
export async function runView(
  ctx: RestContext,
  request: RunRequest & { format: RowFormat },
  budget: RunBudget,
): Promise<ViewRun> {
  const deadline = Date.now() + budget.maxMillis;
  const view = 'id' in request.view ? (await read(ctx, VIEW_DEFINITION, request.view.id)).body : request.view.resource;
  const evaluator = compiled(view, ctx.fhirVersion, budget.maxRowsPerResource, deadline);
  if (!request.resources) {
    // Rows of stored data reveal what a search and reads of the view's type would.
    ctx.authorize(evaluator.resourceType, 'search-type');
    ctx.authorize(evaluator.resourceType, 'read');
    await checkPatients(ctx, request.patients);
  }
  const filters = { patients: request.patients, since: request.since };
  const resources = request.resources
    ? inlineResources(request.resources, evaluator.resourceType, filters, ctx.fhirVersion)
    : storedResources(ctx.store, ctx.tenant, evaluator.resourceType, filters);
  const encoder = rowEncoder(request.format, evaluator.columns, request.header);
  const rows = budgetedRows(evaluator, resources, { limit: request.limit, maxRows: budget.maxRows, deadline });
  return { contentType: encoder.contentType, body: encode(rows, encoder, budget) };
}

/** The view under the FHIRPath model of the tenant's version, whose resources it reads. */
function compiled(view: unknown, version: FhirVersion, maxRowsPerResource: number, deadline: number): ViewEvaluator {
  try {
    return compileView(view, { fhirRelease: fhirRelease(version) }, { maxRowsPerResource, deadline });
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

async function* encode(rows: AsyncIterable<ViewRow>, encoder: RowEncoder, budget: RunBudget): AsyncGenerator<string> {
  yield encoder.head;
  let count = 0;
  try {
    for await (const row of rows) yield encoder.row(row, count++);
  } catch (error) {
    if (error instanceof ViewEvaluationError) throw unprocessableResource(error);
    if (error instanceof ViewBudgetError) throw tooCostly(error, budget);
    throw error;
  }
  yield encoder.tail;
}
