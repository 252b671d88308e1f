// The worker bundles this file and everything it imports into Temporal's deterministic sandbox.
export { exportWorkflow } from './export-workflow';
export { exportRetentionWorkflow, purgeExportWorkflow } from './purge-workflows';
export { importWorkflow } from './import-workflow';
