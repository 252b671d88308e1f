// The worker bundles this file and everything it imports into Temporal's deterministic sandbox.
export { exportWorkflow } from './export-workflow';
export { purgeExportWorkflow, retentionWorkflow } from './purge-workflows';
// The retention workflow's old name (OLD_RETENTION_WORKFLOW in retention-schedule.ts), registered for one release so
// runs started under it, and a schedule not yet updated, still find a workflow.
export { retentionWorkflow as exportRetentionWorkflow } from './purge-workflows';
export { importWorkflow } from './import-workflow';
