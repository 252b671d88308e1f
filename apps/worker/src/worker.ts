import type { Config } from '@fhir-bulk/config';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createExportActivities, type ExportActivityDeps } from './activities/export-activities';

export interface WorkerDeps extends ExportActivityDeps {
  connection: NativeConnection;
  config: Pick<Config, 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'WORKER_MAX_CONCURRENT_ACTIVITIES'>;
  /** A prebuilt workflow bundle (tests share one); by default the worker bundles ./workflows at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** Wires activities and workflows to a task queue; used by main.ts and by the integration tests alike. */
export function createWorker({ connection, config, store, objects, workflowBundle }: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: createExportActivities({ store, objects }),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
  });
}
