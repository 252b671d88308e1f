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
  /** Resolves once no step held under `key` is still running (released steps go on to do their real work). */
  idle(key: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startGatedWorker(stack: BulkStack): Promise<GatedWorker> {
  const held = new Set<string>();
  const running = new Map<string, Set<Promise<unknown>>>();
  const metrics = new WorkerMetrics(newRegistry());
  const activities = createExportActivities(await exportDeps(stack.store, stack.objects, stack.config, metrics));
  // Heartbeats while held, so a cancelled job's activity learns of it (Context.sleep rejects on cancellation).
  const gate = async (key: string) => {
    while (held.has(key)) {
      Context.current().heartbeat();
      await Context.current().sleep(100);
    }
  };
  const gated = <T>(key: string, step: () => Promise<T>): Promise<T> => {
    const steps = running.get(key) ?? new Set<Promise<unknown>>();
    running.set(key, steps);
    const result = gate(key).then(step);
    const settled = result.catch(() => undefined).finally(() => steps.delete(settled));
    steps.add(settled);
    return result;
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
      planExport: (input: ExportJobInput) => gated(`${input.tenant}/plan`, () => activities.planExport(input)),
      exportPartition: (task: PartitionTask) =>
        gated(`${task.job.tenant}/${task.partition.type}`, () => activities.exportPartition(task)),
    },
  });
  const run = worker.run();
  return {
    hold: (...keys) => keys.forEach((key) => held.add(key)),
    release: (...keys) => keys.forEach((key) => held.delete(key)),
    async idle(key) {
      await Promise.all(running.get(key) ?? []);
    },
    async stop() {
      held.clear();
      worker.shutdown();
      await run;
    },
  };
}
