import { EXPORT_WORKFLOW, IMPORT_WORKFLOW } from '@fhir-bulk/workflow-contract';
import type { Client } from '@temporalio/client';

const WORKFLOWS = { export: EXPORT_WORKFLOW, import: IMPORT_WORKFLOW };

/**
 * Terminates the exports (or imports) an aborted run (Ctrl-C, a crash) left running on the benchmark's task queue:
 * the next worker would pick them up and run them beside the job being measured.
 */
export async function terminateStaleJobs(client: Client, taskQueue: string, kind: 'export' | 'import'): Promise<void> {
  const query = `TaskQueue="${taskQueue}" AND WorkflowType="${WORKFLOWS[kind]}" AND ExecutionStatus="Running"`;
  for await (const workflow of client.workflow.list({ query })) {
    console.log(`terminating ${kind} ${workflow.workflowId}, left running by an earlier run`);
    await client.workflow.getHandle(workflow.workflowId, workflow.runId).terminate('left over by an aborted benchmark');
  }
}
