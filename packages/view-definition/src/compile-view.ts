import * as fhirpath from 'fhirpath';
import { type ColumnValue, type RowValues, toColumnScalar } from './column-values';
import { viewFunctions } from './fhirpath-functions';
import { type CompiledSelect, type Evaluate, PathFailure, repeatItems, selectRows } from './rows';
import { columnInfo, type ViewColumnInfo } from './view-columns';
import { type FhirJson } from './view-definition';
import { ViewBudgetError, ViewDefinitionError, ViewEvaluationError } from './view-errors';
import { type PlannedSelect } from './view-plan';
import { analyseView, type ViewOptions } from './validate-view';

/** What one evaluator may spend; without limits a resource may make up to `DEFAULT_MAX_ROWS_PER_RESOURCE` rows. */
export interface EvaluationLimits {
  /** Rows one resource may expand to (see `CompiledSelect.maxRows`). */
  maxRowsPerResource?: number;
  /** Epoch milliseconds after which no FHIRPath expression starts: a run's wall-clock budget. */
  deadline?: number;
}

/** Far above what a real resource makes (a Questionnaire's items, an Observation's components), far below the heap. */
export const DEFAULT_MAX_ROWS_PER_RESOURCE = 10_000;

export type ViewRow = Record<string, ColumnValue>;

/**
 * A view compiled once, to be run on any number of resources. A decimal has the precision it is written with when
 * the resource was read by `parseWithExactDecimals`; a plain JS number (`JSON.parse`, a MongoDB document) that of
 * its shortest form, so a `1.0` read back as 1 has the boundaries 0.5 and 1.5, not 0.95 and 1.05.
 */
export interface ViewEvaluator {
  readonly resourceType: string;
  readonly columns: readonly ViewColumnInfo[];
  /** The resource's rows as value lists in `columns` order (what columnar writers take). */
  tuples(resource: FhirJson): RowValues[];
  /** The resource's rows as objects keyed by column name, in `columns` order. */
  rows(resource: FhirJson): ViewRow[];
}

/**
 * Validates and compiles a ViewDefinition: every FHIRPath expression is compiled here, once. Throws
 * `ViewDefinitionError` listing the problems `validateView` finds. Evaluating throws `ViewEvaluationError`.
 */
export function compileView(
  view: unknown,
  options: ViewOptions = {},
  { maxRowsPerResource = DEFAULT_MAX_ROWS_PER_RESOURCE, deadline }: EvaluationLimits = {},
): ViewEvaluator {
  const { problems, checked } = analyseView(view, options);
  if (!checked) throw new ViewDefinitionError(problems);
  const { plan, model, constants } = checked;

  // One variables object for every evaluation: only %rowIndex changes, and it is set just before each call.
  const vars: Record<string, unknown> = { rowIndex: 0 };
  for (const [name, constant] of constants) vars[name] = constant.value;
  const compile = (path: string, location: string): Evaluate => {
    const evaluate = fhirpath.compile(path, model, { resolveInternalTypes: false, userInvocationTable: viewFunctions });
    return (focus, rowIndex) => {
      // Checked before every expression, so one resource's evaluation also stops when the run's time is up.
      if (deadline !== undefined && Date.now() > deadline) throw new ViewBudgetError('the run took too long');
      vars.rowIndex = rowIndex;
      try {
        return evaluate(focus, vars);
      } catch (e) {
        throw new PathFailure(`"${path}" failed: ${e instanceof Error ? e.message : String(e)}`, location);
      }
    };
  };
  const compileSelect = ({ iteration, location, ...select }: PlannedSelect): CompiledSelect => {
    const paths = iteration?.paths.map((p) => compile(p.path, p.location)) ?? [];
    return {
      iterate: iteration?.kind === 'repeat' ? repeatItems(paths, `${location}.repeat`, maxRowsPerResource) : paths[0],
      orNull: iteration?.kind === 'forEachOrNull',
      columns: select.columns.map((c) => ({ ...c, evaluate: compile(c.path, `${c.location}.path`) })),
      selects: select.selects.map(compileSelect),
      unionAll: select.unionAll.map(compileSelect),
      slots: select.slots,
      rowIndexSlots: select.rowIndexSlots,
      location,
      maxRows: maxRowsPerResource,
    };
  };
  const root = compileSelect(plan.root);
  const where = plan.where.map((w) => ({ location: w.location, evaluate: compile(w.path, w.location) }));
  const columns = plan.columns.map(columnInfo);
  const names = columns.map((c) => c.name);

  const tuples = (resource: FhirJson): RowValues[] => {
    if (resource.resourceType !== plan.resourceType) return [];
    try {
      for (const w of where) if (!isTrue(w.evaluate(resource, 0), w.location)) return [];
      return selectRows(root, resource, 0, columns.length);
    } catch (e) {
      const key = `${plan.resourceType}/${String(resource.id)}`;
      if (e instanceof ViewBudgetError && e.resource === undefined) throw new ViewBudgetError(e.message, key);
      if (!(e instanceof PathFailure)) throw e;
      throw new ViewEvaluationError(e.message, e.path, key);
    }
  };
  const rows = (resource: FhirJson): ViewRow[] =>
    tuples(resource).map((values) => {
      const row: ViewRow = {};
      names.forEach((name, i) => (row[name] = values[i] ?? null));
      return row;
    });
  return { resourceType: plan.resourceType, columns, tuples, rows };
}

/** A where path yields one boolean or nothing (false); anything else is an error, as the spec requires. */
function isTrue(result: unknown[], location: string): boolean {
  if (result.length === 0) return false;
  const value: unknown = result.length === 1 ? fhirpath.util.valData(result[0]) : undefined;
  if (typeof value === 'boolean') return value;
  const found = JSON.stringify(result.map(toColumnScalar)).slice(0, 200);
  throw new PathFailure(`a where path must yield a boolean, not ${found}`, location);
}
