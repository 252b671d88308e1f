import type { ExportJobInput, ExportPartition, ScanPosition } from '@fhir-bulk/export';
import { readAhead, type ResourceDocument, streamMatcher } from '@fhir-bulk/store';
import type { PartitionDeps } from './deps';
import { partitionQuery } from './partition-query';

/** A document to export and, for storage-order scans, how many documents the scan has read through it. */
export interface SourceDocument {
  doc: ResourceDocument;
  scanned?: number;
}

/**
 * Documents asked of the database before the writer takes them: one cursor batch, so the database reads the next
 * batch while the writer serialises and uploads this one (memory: one batch more).
 */
const READ_AHEAD = 1_000;

/**
 * The documents of one partition, from `from` on (where a previous attempt's checkpoint left off). Two strategies, chosen by
 * what the database does well (docs/decisions.md):
 * - MongoDB: the whole query (time window, `_typeFilter`) runs in the database, in key order through the `_id`
 *   index; a retry resumes after the checkpoint's lastKey.
 * - FerretDB v1 filters and sorts in memory after reading every document anyway, and sorting a whole collection
 *   before the first document costs minutes and gigabytes at a million resources. So the range is read in storage
 *   order with no filter but the key range, the conditions are evaluated here (streamMatcher, MongoDB semantics), and a
 *   retry skips the documents already scanned. Conditions cannot go into the query: a document updated after the
 *   scan started would then drop out of the sequence and shift every later position.
 */
export async function* partitionDocuments(
  deps: Pick<PartitionDeps, 'store' | 'server'>,
  job: ExportJobInput,
  partition: ExportPartition,
  from: ScanPosition,
): AsyncGenerator<SourceDocument> {
  if (deps.server.indexedRangeScans) {
    const query = partitionQuery(job, partition, from.lastKey);
    const docs = deps.store.streamCurrent(job.tenant, partition.type, query);
    for await (const doc of readAhead(docs, READ_AHEAD)) yield { doc };
    return;
  }
  const query = partitionQuery(job, partition);
  const matches = streamMatcher(job.tenant, query);
  let scanned = from.scanned ?? 0;
  const docs = deps.store.scanRange(job.tenant, partition.type, { ...query, skip: scanned });
  for await (const doc of readAhead(docs, READ_AHEAD)) {
    scanned++;
    if (matches(doc)) yield { doc, scanned };
  }
}
