import type { Logger } from '@fhir-bulk/logging';
import { Runtime } from '@temporalio/worker';
import { SdkLogger } from './sdk-logger';

export interface RuntimeOptions {
  /** The process's JSON logger: the SDK's own lines, workflows' and activities' go through it. */
  logger: Logger;
  /**
   * `host:port` where the SDK serves its own worker metrics (task slots, pollers, poll and activity latencies) in
   * Prometheus's format; none when absent.
   */
  prometheus?: string;
}

/**
 * The one Runtime.install of the worker process: the SDK's runtime is process-wide and must be installed before the
 * first connection or worker is created, so every option of it is given here.
 */
export function installRuntime({ logger, prometheus }: RuntimeOptions): void {
  Runtime.install({
    logger: new SdkLogger(logger.child({ component: 'temporal' })),
    // The SDK core's own (Rust) lines are printed as plain text unless forwarded: forwarded, they are JSON lines
    // like the rest. Its warnings and errors only (the SDK's default filter); its debug lines are a firehose.
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      // Seconds and `_total` counters, as Prometheus names them.
      ...(prometheus ? { metrics: { prometheus: prometheusExporter(prometheus) } } : {}),
    },
  });
}

const prometheusExporter = (bindAddress: string) => ({
  bindAddress,
  countersTotalSuffix: true,
  unitSuffix: true,
  useSecondsForDurations: true,
});
