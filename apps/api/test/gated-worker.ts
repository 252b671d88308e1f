import type { ExportJobInput } from '@fhir-bulk/export';
import { newRegistry, WorkerMetrics } from '@fhir-bulk/metrics';
import type { BulkStack } from '@fhir-bulk/test-support';
import { createAuditActivities } from '@fhir-bulk/worker/src/audit/activities';
import { createExportActivities } from '@fhir-bulk/worker/src/export/activities';
import type { PartitionTask } from '@fhir-bulk/worker/src/export/export-partition';
import { createImportActivities } from '@fhir-bulk/worker/src/import/activities';
import { auditDeps, exportDeps, importDeps } from '@fhir-bulk/worker/src/worker';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';

/** A worker whose steps can be held, to observe a job while it runs; the steps themselves are the real ones. */
export interface GatedWorker {
  /** Holds `{tenant}/plan` (planning) or `{tenant}/{type}` (that type's partitions) until released. */
  hold(...keys: string[]): void;
  release(...keys: string[]): void;
  stop(): Promise<void>;
}

export async function startGatedWorker(stack: BulkStack): Promise<GatedWorker> {
  const held = new Set<string>();
  const metrics = new WorkerMetrics(newRegistry());
  const activities = createExportActivities(await exportDeps(stack.store, stack.objects, stack.config, metrics));
  // Heartbeats while held, so a cancelled job's activity learns of it (Context.sleep rejects on cancellation).
  const gate = async (key: string) => {
    while (held.has(key)) {
      Context.current().heartbeat();
      await Context.current().sleep(100);
    }
  };
  const worker = await Worker.create({
    connection: stack.nativeConnection,
    namespace: stack.config.TEMPORAL_NAMESPACE,
    taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    workflowsPath: require.resolve('@fhir-bulk/worker/src/workflows'),
    activities: {
      ...createImportActivities(importDeps(stack.store, stack.objects, stack.config, metrics)),
      ...createAuditActivities(auditDeps(stack.store, stack.config)),
      ...activities,
      planExport: async (input: ExportJobInput) => {
        await gate(`${input.tenant}/plan`);
        return activities.planExport(input);
      },
      exportPartition: async (task: PartitionTask) => {
        await gate(`${task.job.tenant}/${task.partition.type}`);
        return activities.exportPartition(task);
      },
    },
  });
  const running = worker.run();
  return {
    hold: (...keys) => keys.forEach((key) => held.add(key)),
    release: (...keys) => keys.forEach((key) => held.delete(key)),
    async stop() {
      held.clear();
      worker.shutdown();
      await running;
    },
  };
}
