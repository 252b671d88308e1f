import { currentCollectionName, type StoredDocument } from '@fhir-bulk/store';
import type { Db } from 'mongodb';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { liveResourcesOf } from '../lib/dataset';

/** The cursor batch size the export uses (streamCurrent's default), so both pay the same round trips. */
const BATCH_SIZE = 1_000;

/**
 * The floor the export is measured against: the MongoDB driver alone draining the same resources (tenant key
 * range, live only) into one local NDJSON file per type, all types at once as the export runs them. No sort: the
 * fastest a plain client can read them, so the export gets no head start from a handicapped baseline.
 * Returns how many lines it wrote.
 */
export async function drainToNdjson(db: Db, tenant: string, types: readonly string[], dir: string): Promise<number> {
  const counts = await Promise.all(types.map((type) => drainType(db, tenant, type, join(dir, `${type}.ndjson`))));
  return counts.reduce((a, b) => a + b, 0);
}

async function drainType(db: Db, tenant: string, type: string, path: string): Promise<number> {
  const cursor = db
    .collection<StoredDocument>(currentCollectionName(tenant, type))
    .find<Pick<StoredDocument, 'text'>>(liveResourcesOf(tenant), { projection: { _id: 0, text: 1 } })
    .batchSize(BATCH_SIZE);
  let count = 0;
  await pipeline(async function* () {
    for await (const doc of cursor) {
      count++;
      yield doc.text + '\n';
    }
  }, createWriteStream(path));
  return count;
}
