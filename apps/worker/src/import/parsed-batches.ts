import { errorLine, notUtf8Problem, parseImportLine, type ReadLine, tooLongProblem } from '@fhir-bulk/import';
import type { FhirResource, FhirVersion } from '@fhir-bulk/fhir';
import type { ErrorLine } from './file-checkpoints';

/** Up to `size` consecutive lines of a file: the resources to write and the reports of the bad lines among them. */
export interface ParsedBatch {
  seq: number;
  firstLine: number;
  endOffset: number;
  endLine: number;
  /** Input bytes the batch covers (blank lines included). */
  bytes: number;
  resources: FhirResource[];
  /** The line number of each resource, for reports about it after the write (InitialLoad conflicts). */
  lines: number[];
  errors: ErrorLine[];
}

export interface BatchOptions {
  type: string;
  /** The tenant's FHIR version, which every line must be a resource of. */
  fhirVersion: FhirVersion;
  inputUrl: string;
  size: number;
  maxLineBytes: number;
  /** The byte offset `lines` start at (a resumed file's checkpoint). */
  startOffset: number;
  /** Told of each bad line, by its OperationOutcome issue code. */
  onRejected: (reason: string) => void;
}

/**
 * Groups lines into batches of `size` lines (bad ones included, so a batch's bytes are bounded too), parsing and
 * validating each. A bad line becomes its OperationOutcome line; it never stops the file.
 */
export async function* parsedBatches(
  lines: AsyncIterable<ReadLine>,
  { type, fhirVersion, inputUrl, size, maxLineBytes, startOffset, onRejected }: BatchOptions,
): AsyncGenerator<ParsedBatch> {
  let batchStart = startOffset;
  let batch = emptyBatch(0);
  let inBatch = 0;
  for await (const read of lines) {
    const parsed =
      read.tooLong !== undefined
        ? { problem: tooLongProblem(read.tooLong, maxLineBytes) }
        : read.notUtf8
          ? { problem: notUtf8Problem() }
          : parseImportLine(read.text ?? '', type, fhirVersion);
    if ('resource' in parsed) {
      batch.resources.push(parsed.resource);
      batch.lines.push(read.line);
    } else {
      onRejected(parsed.problem.issue[0]!.code);
      batch.errors.push({ line: read.line, text: errorLine(parsed.problem, { inputUrl, line: read.line }) });
    }
    if (inBatch === 0) batch.firstLine = read.line;
    batch.endOffset = read.endOffset;
    batch.endLine = read.line;
    batch.bytes = read.endOffset - batchStart;
    if (++inBatch === size) {
      batchStart = batch.endOffset;
      yield batch;
      batch = emptyBatch(batch.seq + 1);
      inBatch = 0;
    }
  }
  if (inBatch > 0) yield batch;
}

const emptyBatch = (seq: number): ParsedBatch => ({
  seq,
  firstLine: 0,
  endOffset: 0,
  endLine: 0,
  bytes: 0,
  resources: [],
  lines: [],
  errors: [],
});
