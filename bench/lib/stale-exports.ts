import { EXPORT_WORKFLOW } from '@fhir-bulk/workflow-contract';
import type { Client } from '@temporalio/client';

/**
 * Terminates export workflows an aborted run (Ctrl-C, a crash) left running on the benchmark's task queue: the
 * next worker would pick them up and run them beside the export being measured.
 */
export async function terminateStaleExports(client: Client, taskQueue: string): Promise<void> {
  const query = `TaskQueue="${taskQueue}" AND WorkflowType="${EXPORT_WORKFLOW}" AND ExecutionStatus="Running"`;
  for await (const workflow of client.workflow.list({ query })) {
    console.log(`terminating export ${workflow.workflowId}, left running by an earlier run`);
    await client.workflow.getHandle(workflow.workflowId, workflow.runId).terminate('left over by an aborted benchmark');
  }
}
