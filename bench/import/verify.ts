import { currentCollectionName, historyCollectionName, tenantKeyRange } from '@fhir-bulk/store';
import type { ImportResult } from '@fhir-bulk/import';
import type { Db } from 'mongodb';
import { liveResourcesOf } from '../lib/dataset';
import type { UploadedFile } from './dataset';

/** Lines per type in the input files. */
export function linesByType(files: readonly UploadedFile[]): Map<string, number> {
  const lines = new Map<string, number>();
  for (const { type, lines: count } of files) lines.set(type, (lines.get(type) ?? 0) + count);
  return lines;
}

/**
 * Throws unless the result accounts for every input line: no error entries, and each input's output count equal to
 * its lines (so the sum is N).
 */
export function checkImportResult(result: ImportResult, files: readonly UploadedFile[]): void {
  if (result.error.length > 0) {
    const errors = result.error.map((e) => `${e.count} in ${e.inputUrl} (${e.url ?? 'no url'})`);
    throw new Error(`the import reported error lines: ${errors.join(', ')}`);
  }
  const counted = new Map(result.output.map((entry) => [entry.inputUrl, entry.count]));
  const wrong = files.filter((file) => counted.get(file.url) !== file.lines);
  if (wrong.length > 0 || result.output.length !== files.length) {
    const detail = wrong.map((file) => `${file.url}: ${counted.get(file.url) ?? 'absent'} of ${file.lines}`);
    throw new Error(`the import result's counts are wrong: ${detail.join(', ') || `${result.output.length} outputs`}`);
  }
}

/**
 * Throws unless `db` holds, per type, as many live resources of `tenant` as the input files had lines. Counted with
 * the `count` command, not countDocuments: that is an aggregation whose $group FerretDB v1 runs in memory, and it
 * held about 20 GB for 870,000 Observations; `count` streams.
 */
export async function checkStored(db: Db, tenant: string, expected: ReadonlyMap<string, number>): Promise<void> {
  const wrong: string[] = [];
  for (const [type, lines] of expected) {
    const { n: stored } = (await db.command({
      count: currentCollectionName(tenant, type),
      query: liveResourcesOf(tenant),
    })) as { n: number };
    if (stored !== lines) wrong.push(`${type} ${stored} of ${lines}`);
  }
  if (wrong.length > 0) throw new Error(`${db.databaseName} holds the wrong number of resources: ${wrong.join(', ')}`);
}

/**
 * Throws if any resource of `tenant` has a second version: an import into an empty database writes each once, so a
 * redone batch (after a resume) that wrote a new version would show here: a live resource with versionId > 1, or
 * any history document of the tenant.
 */
export async function checkSingleVersions(db: Db, tenant: string, types: Iterable<string>): Promise<void> {
  const wrong: string[] = [];
  for (const type of types) {
    const query = { ...liveResourcesOf(tenant), versionId: { $gt: 1 } };
    const { n: later } = (await db.command({ count: currentCollectionName(tenant, type), query })) as { n: number };
    const range = tenantKeyRange(tenant);
    const { n: history } = (await db.command({
      count: historyCollectionName(tenant, type),
      query: { _id: { $gte: range.gte, $lt: range.lt } },
    })) as { n: number };
    if (later > 0 || history > 0) wrong.push(`${type}: ${later} with versionId > 1, ${history} history documents`);
  }
  if (wrong.length > 0) throw new Error(`a resumed import wrote extra versions: ${wrong.join('; ')}`);
}
