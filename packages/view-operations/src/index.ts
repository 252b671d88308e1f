export { resolveViews, type ResolvedViews, type StatusOf } from './resolve-views';
export { budgetedRows, type RunBudget } from './run-budget';
export { parseRunParameters, type RunRequest } from './run-parameters';
export { parseViewExportKickoff, type ViewExportKickoffInput } from './view-export-kickoff';
export { runView, type ViewRun } from './view-run';
export { createView, searchViews, updateView, VIEW_DEFINITION } from './view-storage';
