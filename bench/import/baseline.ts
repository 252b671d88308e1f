import { parseImportLine } from '@fhir-bulk/import';
import { ResourceStore, type StoredDocument, toDocument, toStored } from '@fhir-bulk/store';
import type { Db } from 'mongodb';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { InputFile } from './dataset';

export interface BaselineSettings {
  /** Documents per insertMany: IMPORT_BATCH_SIZE, as the import writes them. */
  batchSize: number;
  /**
   * insertMany calls in flight: as many as the import's writers (files at once × writers per file). FerretDB takes
   * one write at a time anyway: 2 and 4 writers inserted 1M at 2,868 and 2,879/s here.
   */
  writers: number;
}

export interface BaselineTiming {
  /** Time spent in insertMany only. */
  seconds: number;
  inserted: number;
  /** Reading, validating and building documents: not part of `seconds`. */
  prepareSeconds: number;
}

/** Batches are prepared this many at a time, then inserted: memory stays bounded and only inserts are timed. */
const BATCHES_PER_ROUND = 100;

type Batch = { type: string; docs: StoredDocument[] };

/**
 * The floor the import is measured against: the MongoDB driver alone inserting the same resources into `db` (fresh)
 * as the documents the import writes (`toDocument`, version 1), `batchSize` per unordered insertMany with
 * `writers` in flight, into collections with the indexes the import's store creates (ResourceStore.prepare), so
 * both pay the same index upkeep. Lines are read, validated as the import validates them and turned into
 * documents before the clock runs; a bad line fails the benchmark here, before the import is measured.
 */
export async function insertBaseline(
  db: Db,
  tenant: string,
  files: readonly InputFile[],
  settings: BaselineSettings,
): Promise<BaselineTiming> {
  await db.dropDatabase();
  const store = new ResourceStore(db);
  for (const type of new Set(files.map((file) => file.type))) await store.prepare(tenant, type);

  const timing: BaselineTiming = { seconds: 0, inserted: 0, prepareSeconds: 0 };
  let round: Batch[] = [];
  let preparing = performance.now();
  const insertRound = async () => {
    timing.prepareSeconds += (performance.now() - preparing) / 1000;
    const started = performance.now();
    timing.inserted += await insertConcurrently(store, tenant, round, settings.writers);
    timing.seconds += (performance.now() - started) / 1000;
    round = [];
    preparing = performance.now();
  };
  for (const file of files) {
    for await (const docs of documentBatches(tenant, file, settings.batchSize)) {
      round.push({ type: file.type, docs });
      if (round.length === BATCHES_PER_ROUND) await insertRound();
    }
  }
  if (round.length > 0) await insertRound();
  return timing;
}

/** The file's lines as documents, `size` at a time; each batch stamped with one instant, as bulkLoad does. */
async function* documentBatches(tenant: string, file: InputFile, size: number): AsyncGenerator<StoredDocument[]> {
  let batch: StoredDocument[] = [];
  let lastUpdated = new Date();
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file.path), crlfDelay: Infinity })) {
    line++;
    const parsed = parseImportLine(text, file.type, '4.0.1');
    if ('problem' in parsed) {
      const reason = parsed.problem.issue.map((issue) => issue.diagnostics ?? issue.code).join('; ');
      throw new Error(`${file.path} line ${line} is not a valid ${file.type}: ${reason}`);
    }
    batch.push(toStored(toDocument(tenant, parsed.resource, { versionId: 1, lastUpdated }, '4.0.1')));
    if (batch.length === size) {
      yield batch;
      batch = [];
      lastUpdated = new Date();
    }
  }
  if (batch.length > 0) yield batch;
}

/** Inserts the batches with `writers` insertMany calls in flight; returns how many documents were inserted. */
async function insertConcurrently(
  store: ResourceStore,
  tenant: string,
  batches: readonly Batch[],
  writers: number,
): Promise<number> {
  let next = 0;
  let inserted = 0;
  const writer = async () => {
    while (next < batches.length) {
      const { type, docs } = batches[next++]!;
      const result = await store.collection(tenant, type).insertMany(docs, { ordered: false });
      inserted += result.insertedCount;
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  return inserted;
}
