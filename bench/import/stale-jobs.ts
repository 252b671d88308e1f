import { IMPORT_WORKFLOW } from '@fhir-bulk/workflow-contract';
import type { Client } from '@temporalio/client';

/**
 * Terminates import workflows an aborted run (Ctrl-C, a crash) left running on the benchmark's task queue: the
 * next worker would resume them beside the import being measured.
 */
export async function terminateStaleImports(client: Client, taskQueue: string): Promise<void> {
  const query = `TaskQueue="${taskQueue}" AND WorkflowType="${IMPORT_WORKFLOW}" AND ExecutionStatus="Running"`;
  for await (const workflow of client.workflow.list({ query })) {
    console.log(`terminating import ${workflow.workflowId}, left running by an earlier run`);
    await client.workflow.getHandle(workflow.workflowId, workflow.runId).terminate('left over by an aborted benchmark');
  }
}
