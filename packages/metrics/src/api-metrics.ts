import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobKindLabel } from './recorders';

/** Bytes of stored job outputs per tenant (a query of every job record: read at most once per `cacheMs`). */
export type StoredBytes = () => Promise<Map<string, number>>;

/** FerretDB v1 scans every job record for it: a scrape every few seconds must not mean a scan every few seconds. */
const STORED_BYTES_CACHE_MS = 30_000;

/** The API's metrics (see the README's metrics table), in `registry`. */
export class ApiMetrics {
  private readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly started: Counter<'kind' | 'tenant'>;
  private readonly cancelled: Counter<'kind' | 'tenant'>;

  constructor(
    readonly registry: Registry,
    storedBytes: StoredBytes,
    cacheMs = STORED_BYTES_CACHE_MS,
  ) {
    const registers = [registry];
    this.requestDuration = new Histogram({
      name: 'fhir_bulk_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.started = new Counter({
      name: 'fhir_bulk_jobs_started_total',
      help: 'Jobs kicked off',
      labelNames: ['kind', 'tenant'],
      registers,
    });
    this.cancelled = new Counter({
      name: 'fhir_bulk_jobs_cancelled_total',
      help: 'Running jobs cancelled by their client',
      labelNames: ['kind', 'tenant'],
      registers,
    });
    let readAt = -Infinity;
    new Gauge({
      name: 'fhir_bulk_storage_bytes',
      help: 'Bytes of completed export outputs held in S3 (not yet deleted or expired), from the job records',
      labelNames: ['tenant'],
      registers,
      async collect() {
        if (Date.now() - readAt < cacheMs) return;
        // A failed read leaves the last values (and is tried again next scrape) rather than failing the scrape.
        const bytes = await storedBytes().catch(() => undefined);
        if (!bytes) return;
        readAt = Date.now();
        // Tenants whose outputs are all gone drop out rather than staying at their last value.
        this.reset();
        for (const [tenant, value] of bytes) this.set({ tenant }, value);
      },
    });
  }

  requestEnded(labels: { method: string; route: string; status: number }, seconds: number): void {
    this.requestDuration.observe({ ...labels, status: String(labels.status) }, seconds);
  }

  jobStarted(kind: JobKindLabel, tenant: string): void {
    this.started.inc({ kind, tenant });
  }

  jobCancelled(kind: JobKindLabel, tenant: string): void {
    this.cancelled.inc({ kind, tenant });
  }
}
