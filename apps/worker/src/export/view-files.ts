import { CSV, type ExportJobInput, type ExportView, jobFhirVersion, PARQUET } from '@fhir-bulk/export';
import { fhirRelease } from '@fhir-bulk/fhir';
import { ParquetValueError, writeParquet } from '@fhir-bulk/parquet';
import {
  compileView,
  rowEncoder,
  type RowValues,
  ViewBudgetError,
  ViewEvaluationError,
  type ViewEvaluator,
  type ViewRow,
} from '@fhir-bulk/view-definition';
import { PassThrough } from 'node:stream';
import type { OutputItem, PartitionOutput } from './file-formats';
import type { SourceDocument } from './partition-source';
import { exportError } from './plan-export';

/** Rows per Parquet row group: bounds the writer's memory (one group's cells and its encoded bytes). */
const PARQUET_ROW_GROUP = 50_000;

/**
 * The rows of one view in the job's format. The view is compiled once per partition; a document giving no row
 * (the view's `where` excluded it) is left out, and one the view fails on fails the job for good (422): the same
 * data would fail on every retry, and skipping it would lose rows without a word. So does one expanding to more
 * than `maxRowsPerResource` rows: stopped while it expands, before its rows could exhaust the worker's memory.
 */
export function viewOutput(
  job: Pick<ExportJobInput, 'outputFormat' | 'fhirVersion'>,
  view: ExportView,
  maxRowsPerResource: number,
): PartitionOutput<unknown> {
  // Under the FHIRPath model of the tenant's version, as the API checked the view at kick-off.
  const release = fhirRelease(jobFhirVersion(job));
  const evaluator = compileView(view.definition, { fhirRelease: release }, { maxRowsPerResource });
  if (job.outputFormat === PARQUET) return parquetOutput(view, evaluator) as PartitionOutput<unknown>;
  return textOutput(view, evaluator, job.outputFormat === CSV ? 'csv' : 'ndjson') as PartitionOutput<unknown>;
}

function parquetOutput(view: ExportView, evaluator: ViewEvaluator): PartitionOutput<RowValues[]> {
  return {
    items: (documents) => rowItems(view, documents, (resource) => evaluator.tuples(resource)),
    format: {
      kind: 'stream',
      contentType: PARQUET,
      bytes: () => 0,
      encode: (values) => {
        const body = new PassThrough();
        const encoded = writeParquet(flatten(values), evaluator.columns, body, { rowGroupSize: PARQUET_ROW_GROUP });
        return { body, encoded: encoded.catch((error: unknown) => Promise.reject(failure(view, error))) };
      },
    },
  };
}

/** NDJSON (one JSON object per row) or CSV (a header row in every file, so each file stands alone). */
function textOutput(view: ExportView, evaluator: ViewEvaluator, format: 'ndjson' | 'csv'): PartitionOutput<string> {
  const encoder = rowEncoder(format, evaluator.columns);
  const text = (rows: ViewRow[]) => rows.map((row) => encoder.row(row, 0)).join('');
  return {
    items: (documents) => rowItems(view, documents, (resource) => evaluator.rows(resource), text),
    format: { kind: 'text', contentType: encoder.contentType, head: encoder.head, text: (rows) => rows },
  };
}

async function* rowItems<R, T>(
  view: ExportView,
  documents: AsyncIterable<SourceDocument>,
  evaluate: (resource: Record<string, unknown>) => R[],
  encode: (rows: R[]) => T = (rows) => rows as T,
): AsyncGenerator<OutputItem<T>> {
  for await (const { doc, scanned } of documents) {
    let rows: R[];
    try {
      rows = evaluate(doc.resource as Record<string, unknown>);
    } catch (error) {
      throw failure(view, error);
    }
    if (rows.length === 0) continue;
    yield { value: encode(rows), count: rows.length, key: doc._id, ...(scanned !== undefined ? { scanned } : {}) };
  }
}

async function* flatten(groups: AsyncIterable<RowValues[]>): AsyncGenerator<RowValues> {
  for await (const rows of groups) yield* rows;
}

/** What the view or a Parquet column cannot take is the data's fault, not the worker's: no retry. */
function failure(view: ExportView, error: unknown): unknown {
  if (error instanceof ViewEvaluationError || error instanceof ViewBudgetError || error instanceof ParquetValueError) {
    return exportError('VIEW_FAILED', `View ${view.name} (${view.type}) cannot be written: ${error.message}`);
  }
  return error;
}
