import { setImmediate as nextTurn } from 'node:timers/promises';
import { type FhirJson, ViewBudgetError, type ViewEvaluator, type ViewRow } from '@fhir-bulk/view-definition';

/** What one synchronous `$viewdefinition-run` may spend (VIEW_RUN_* settings). */
export interface RunBudget {
  /** Rows one resource may expand to; checked while its rows are made. */
  maxRowsPerResource: number;
  /** Rows one run may return; more is a job for `$viewdefinition-export`. */
  maxRows: number;
  /** Wall-clock milliseconds one run may take, reading included. */
  maxMillis: number;
}

/** How long evaluation may hold the event loop before other requests get a turn. */
const SLICE_MS = 10;

/**
 * The rows of `resources`, at most `limit`, within the run's row budget and `deadline` (the evaluator checks the
 * deadline before each FHIRPath expression too). Evaluation is synchronous JavaScript on the API's one event loop,
 * so it runs in slices: once a slice has lasted SLICE_MS, the next resource waits for a turn of the loop
 * (setImmediate), letting every other request's I/O run first. No slice can run long: one resource's expansion
 * stops at `maxRowsPerResource` rows, and the deadline stops the rest. (A single FHIRPath call is not interrupted;
 * paths are bounded by the body size and the JSON depth limit.) Worker threads would bound that too, at the cost
 * of copying every resource to them and starting fhirpath.js in each; this is the simpler bound.
 *
 * Returning once `limit` rows are out stops reading `resources`, which closes a store cursor.
 */
export async function* budgetedRows(
  evaluator: ViewEvaluator,
  resources: AsyncIterable<FhirJson> | Iterable<FhirJson>,
  { limit = Infinity, maxRows, deadline }: { limit?: number; maxRows: number; deadline: number },
): AsyncGenerator<ViewRow> {
  let count = 0;
  let sliceStart = Date.now();
  for await (const resource of resources) {
    if (Date.now() > deadline) throw new ViewBudgetError('the run took too long');
    for (const row of evaluator.rows(resource)) {
      if (count === limit) return;
      if (count === maxRows) throw new ViewBudgetError(`the view makes more than ${maxRows} rows`);
      yield row;
      count++;
    }
    if (count >= limit) return;
    if (Date.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = Date.now();
    }
  }
}
