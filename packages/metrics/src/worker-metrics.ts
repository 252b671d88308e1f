import { Counter, Histogram, type Registry } from 'prom-client';
import type { ExportRecorder, ImportRecorder, JobKindLabel, ResumedUnit } from './recorders';

/** Seconds: from a small file (tens of ms) to a large partition (an hour). */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Bytes: 1 kB to 10 GB by powers of ten (file limits are set in bytes and records, so any size is possible). */
const SIZE_BUCKETS = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/** The worker's metrics (see the README's metrics table), in `registry`; activities see them as recorders. */
export class WorkerMetrics implements ExportRecorder, ImportRecorder {
  private readonly completed: Counter<'kind' | 'tenant'>;
  private readonly failed: Counter<'kind' | 'tenant'>;
  private readonly exportResources: Counter<'type'>;
  private readonly exportBytes: Counter<'type'>;
  private readonly fileSize: Histogram<'type'>;
  private readonly fileDuration: Histogram<'type'>;
  private readonly partitionDuration: Histogram<'type'>;
  private readonly importResources: Counter<'type'>;
  private readonly importBytes: Counter<'type'>;
  private readonly importFileDuration: Histogram<'type'>;
  private readonly rejectedLines: Counter<'type' | 'reason'>;
  private readonly errors: Counter<'activity' | 'type' | 'reason'>;
  private readonly resumes: Counter<'unit'>;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: L[], buckets: number[]) =>
      new Histogram({ name, help, labelNames, buckets, registers });
    this.completed = counter('fhir_bulk_jobs_completed_total', 'Jobs completed', ['kind', 'tenant']);
    this.failed = counter('fhir_bulk_jobs_failed_total', 'Jobs failed', ['kind', 'tenant']);
    this.exportResources = counter(
      'fhir_bulk_export_resources_total',
      'Records written to completed export files (resources, or rows of a view)',
      ['type'],
    );
    this.exportBytes = counter('fhir_bulk_export_bytes_total', 'Bytes of completed export files', ['type']);
    this.fileSize = histogram('fhir_bulk_export_file_size_bytes', 'Size of each export file', ['type'], SIZE_BUCKETS);
    this.fileDuration = histogram(
      'fhir_bulk_export_file_duration_seconds',
      'Time to write one export file',
      ['type'],
      DURATION_BUCKETS,
    );
    this.partitionDuration = histogram(
      'fhir_bulk_export_partition_duration_seconds',
      'Time of one completed export partition attempt',
      ['type'],
      DURATION_BUCKETS,
    );
    this.importResources = counter('fhir_bulk_import_resources_total', 'Resources imported', ['type']);
    this.importBytes = counter('fhir_bulk_import_bytes_total', 'Input bytes read and written', ['type']);
    this.importFileDuration = histogram(
      'fhir_bulk_import_file_duration_seconds',
      'Time of one completed import file attempt',
      ['type'],
      DURATION_BUCKETS,
    );
    this.rejectedLines = counter('fhir_bulk_import_rejected_lines_total', 'Bad import lines', ['type', 'reason']);
    this.errors = counter('fhir_bulk_activity_errors_total', 'Failed activity attempts', [
      'activity',
      'type',
      'reason',
    ]);
    this.resumes = counter('fhir_bulk_checkpoint_resumes_total', 'Attempts that resumed from a checkpoint', ['unit']);
  }

  jobCompleted(kind: JobKindLabel, tenant: string): void {
    this.completed.inc({ kind, tenant });
  }

  jobFailed(kind: JobKindLabel, tenant: string): void {
    this.failed.inc({ kind, tenant });
  }

  exportFileWritten(type: string, { records, bytes, seconds }: { records: number; bytes: number; seconds: number }) {
    this.exportResources.inc({ type }, records);
    this.exportBytes.inc({ type }, bytes);
    this.fileSize.observe({ type }, bytes);
    this.fileDuration.observe({ type }, seconds);
  }

  exportPartitionEnded(type: string, seconds: number, failure?: string): void {
    if (failure === undefined) this.partitionDuration.observe({ type }, seconds);
    else this.errors.inc({ activity: 'exportPartition', type, reason: failure });
  }

  importBatchWritten(type: string, resources: number, bytes: number): void {
    this.importResources.inc({ type }, resources);
    this.importBytes.inc({ type }, bytes);
  }

  importLineRejected(type: string, reason: string): void {
    this.rejectedLines.inc({ type, reason });
  }

  importFileEnded(type: string, seconds: number, failure?: string): void {
    if (failure === undefined) this.importFileDuration.observe({ type }, seconds);
    else this.errors.inc({ activity: 'importFile', type, reason: failure });
  }

  resumed(unit: ResumedUnit): void {
    this.resumes.inc({ unit });
  }
}
