import type { Config } from '@fhir-bulk/config';
import type { RunBudget } from '@fhir-bulk/view-operations';

type BudgetSettings = Pick<Config, 'VIEW_RUN_MAX_ROWS' | 'VIEW_MAX_ROWS_PER_RESOURCE' | 'VIEW_RUN_MAX_SECONDS'>;

/** What one `$viewdefinition-run` may cost, from the VIEW_* settings. */
export const viewRunBudget = (config: BudgetSettings): RunBudget => ({
  maxRows: config.VIEW_RUN_MAX_ROWS,
  maxRowsPerResource: config.VIEW_MAX_ROWS_PER_RESOURCE,
  maxMillis: config.VIEW_RUN_MAX_SECONDS * 1000,
});
