import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A process's own registry, with Node's process metrics (CPU, memory, event loop lag) in it. Never prom-client's
 * global one: tests start several apps and workers in one process, and each must count only its own work.
 */
export function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The registry in Prometheus's text exposition format, with its content type. */
export async function exposition(registry: Registry): Promise<{ contentType: string; text: string }> {
  return { contentType: registry.contentType, text: await registry.metrics() };
}

export type { Registry };
