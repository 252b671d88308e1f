import { loadConfig, renamedSettingWarnings } from '@fhir-bulk/config';
import { createLogger } from '@fhir-bulk/logging';
import { newRegistry, serveMetrics, WorkerMetrics } from '@fhir-bulk/metrics';
import { objectStoreFromConfig } from '@fhir-bulk/object-store';
import { assertMigrated, connectMongo, ResourceStore, tenantVersionSettings } from '@fhir-bulk/store';
import { warmUpSchema } from '@fhir-bulk/validation';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { namespaceRetentionWarnings } from './namespace-retention';
import { ensureRetentionSchedule } from './retention-schedule';
import { installRuntime } from './runtime';
import { ACTIVITY_STOP_SECONDS, runWorkers } from './worker';
import { DEFAULT_WORKFLOW_BUNDLE, prebuiltWorkflowBundle } from './workflow-bundle';

/**
 * Worker process: polls the task queue until SIGINT/SIGTERM (which the SDK's runtime catches), then drains: no new
 * tasks, running activities get WORKER_SHUTDOWN_GRACE_SECONDS, then stop at their checkpoints (worker.ts `drain`).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  for (const warning of renamedSettingWarnings()) logger.warn(warning);
  installRuntime({ logger, prometheus: sdkMetricsAddress(config.WORKER_METRICS_HOST, config.TEMPORAL_METRICS_PORT) });
  const metrics = new WorkerMetrics(newRegistry());
  const metricsServer = await serveMetrics(metrics.registry, config.WORKER_METRICS_HOST, config.WORKER_METRICS_PORT);
  const mongo = await connectMongo(config.MONGODB_URL);
  // Data in the layout before issue 18 would be invisible to this code: refuse it until `npm run migrate` ran.
  await assertMigrated(mongo.db(config.MONGODB_DB));
  const objects = objectStoreFromConfig(config);
  await objects.ensureBucket();
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const store = new ResourceStore(mongo.db(config.MONGODB_DB), undefined, {
      tenantVersions: tenantVersionSettings(config),
    });
    await store.tenantVersions.applyConfigured();
    const bundlePath = config.WORKER_WORKFLOW_BUNDLE ?? DEFAULT_WORKFLOW_BUNDLE;
    const prebuilt = await prebuiltWorkflowBundle(bundlePath);
    const workflowBundle = 'code' in prebuilt ? prebuilt : undefined;
    if ('unusable' in prebuilt) {
      const why = { bundle: bundlePath, reason: prebuilt.unusable };
      logger.warn(why, 'bundling the workflows at start, not prebuilt (npm run build:workflows)');
    }
    // Validators are loaded (~0.5 s; compiled, 3-7 s, where no earlier process cached them) once activities are
    // polled for: a worker replacing a dead one usually waits for the dead one's heartbeat timeout anyway, and the
    // first import batch would otherwise pay for them.
    const shutdownForceSeconds = config.WORKER_SHUTDOWN_GRACE_SECONDS + ACTIVITY_STOP_SECONDS;
    const deps = { connection, config, store, objects, metrics, workflowBundle, shutdownForceSeconds };
    const workers = await runWorkers(deps, warmUpSchema);
    // The schedule lives in the namespace the worker polls, not in Temporal's `default`.
    const client = new Client({
      connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }),
      namespace: config.TEMPORAL_NAMESPACE,
    });
    await ensureRetentionSchedule(client, config.TEMPORAL_TASK_QUEUE);
    const retention = {
      namespace: config.TEMPORAL_NAMESPACE,
      retentionDays: config.TEMPORAL_NAMESPACE_RETENTION_DAYS,
      jobRetentionHours: config.JOB_RETENTION_HOURS,
    };
    for (const warning of await namespaceRetentionWarnings(client, retention)) logger.warn(warning);
    await client.connection.close();
    const metricsAt = { metricsPort: metricsServer.port, temporalMetricsPort: config.TEMPORAL_METRICS_PORT };
    const started = { taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS, ...metricsAt };
    logger.info({ ...started, identity: workers.identity, prebuiltWorkflows: !!workflowBundle }, 'worker started');
    await workers.done;
  } finally {
    await connection.close();
    await mongo.close();
    await metricsServer.close();
  }
  logger.info('worker stopped');
}

/** Where the Temporal SDK serves its own metrics; port 0 turns them off (the SDK cannot say which port it got). */
const sdkMetricsAddress = (host: string, port: number) => (port === 0 ? undefined : `${host}:${port}`);

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
