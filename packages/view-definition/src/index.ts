export type { ColumnScalar, ColumnValue, RowValues } from './column-values';
export {
  compileView,
  DEFAULT_MAX_ROWS_PER_RESOURCE,
  type EvaluationLimits,
  type ViewEvaluator,
  type ViewRow,
} from './compile-view';
export { hasInexactNumber, parseWithExactDecimals } from './exact-decimals';
export { validateView, type ViewOptions } from './validate-view';
export { viewColumns, type ViewColumnInfo } from './view-columns';
export type {
  FhirJson,
  FhirRelease,
  ViewColumn,
  ViewColumnTag,
  ViewConstant,
  ViewDefinition,
  ViewSelect,
  ViewWhere,
} from './view-definition';
export { ViewBudgetError, ViewDefinitionError, ViewEvaluationError, type ViewProblem } from './view-errors';
export { ACCEPTED_MEDIA_TYPES, rowEncoder, rowFormatOf, type RowEncoder, type RowFormat } from './row-formats';
