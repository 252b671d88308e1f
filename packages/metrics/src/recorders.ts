/**
 * What the worker's activities report, as plain calls: activity code depends on these interfaces, never on the
 * metrics library, and each process wires one WorkerMetrics (its own registry) behind them.
 */

/** A job's kind as a metric label: view exports are exports of ViewDefinition rows (`_viewDefinition`). */
export type JobKindLabel = 'export' | 'import' | 'view-export';

/** `view-export` for exports of views, else the job's own kind. */
export function jobKindLabel(kind: 'export' | 'import', job: { viewRequests?: unknown[] }): JobKindLabel {
  return kind === 'export' && (job.viewRequests?.length ?? 0) > 0 ? 'view-export' : kind;
}

/** What an activity unit of work is when it resumes from a checkpoint. */
export type ResumedUnit = 'partition' | 'file';

export interface JobOutcomeRecorder {
  jobCompleted(kind: JobKindLabel, tenant: string): void;
  jobFailed(kind: JobKindLabel, tenant: string): void;
}

export interface ExportRecorder extends JobOutcomeRecorder {
  /** One output file completed: its records (resources, or a view's rows), bytes and how long it took. */
  exportFileWritten(type: string, file: { records: number; bytes: number; seconds: number }): void;
  /** One attempt at a partition ended (completed, or failed with `reason`). */
  exportPartitionEnded(type: string, seconds: number, failure?: string): void;
  resumed(unit: ResumedUnit): void;
}

export interface ImportRecorder extends JobOutcomeRecorder {
  /** One batch of an input file written: resources stored and the input bytes it covered. */
  importBatchWritten(type: string, resources: number, bytes: number): void;
  /** One bad input line, by its OperationOutcome issue code. */
  importLineRejected(type: string, reason: string): void;
  /** One attempt at an input file ended (completed, or failed with `reason`). */
  importFileEnded(type: string, seconds: number, failure?: string): void;
  resumed(unit: ResumedUnit): void;
}
