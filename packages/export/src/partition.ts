import type { ExportedFile } from './export-job';

/**
 * A partition is the unit of parallel, resumable export work: one key range of one type, written by one activity
 * into files `{Type}-{index}-{seq}` (or `{Type}-deleted-{index}-{seq}` for tombstones). Partitions of a type
 * cover its key space without gaps or overlaps, so every resource lands in exactly one.
 */
export interface ExportPartition {
  type: string;
  /** `output`: live resources; `deleted`: tombstones for the manifest's `deleted` array. */
  kind: 'output' | 'deleted';
  index: number;
  /** Inclusive lower key; absent means from the tenant's first key. */
  fromKey?: string;
  /** Exclusive upper key; absent means to the tenant's last key. */
  beforeKey?: string;
  /** Resources expected, for progress; an upper bound when the server could not count cheaply. */
  estimate: number;
  /** View exports: the index in the job's `views` whose rows this (output) partition writes. */
  view?: number;
}

/** Cuts a type at the given sorted boundary keys: n boundaries make n + 1 adjacent ranges. */
export function partitionsOf(
  type: string,
  kind: ExportPartition['kind'],
  boundaries: readonly string[],
  estimate: number,
  view?: number,
): ExportPartition[] {
  const count = boundaries.length + 1;
  return Array.from({ length: count }, (_, index) => ({
    type,
    kind,
    index,
    ...(view === undefined ? {} : { view }),
    ...(index > 0 ? { fromKey: boundaries[index - 1] } : {}),
    ...(index < count - 1 ? { beforeKey: boundaries[index] } : {}),
    estimate: Math.ceil(estimate / count),
  }));
}

/**
 * What a partition activity heartbeats: the files it has completed and where the last of them ended. A retry
 * resumes right after that point and rewrites only the unfinished file, under the same name.
 */
export interface PartitionCheckpoint {
  files: ExportedFile[];
  lastKey?: string;
  /**
   * Where a storage-order scan (FerretDB) resumes: documents of the range scanned up to and including the last
   * one in the last completed file. Key-ordered scans (MongoDB) resume from lastKey instead.
   */
  scanned?: number;
  /** Resources written so far, the unfinished file included: progress only, never used to resume. */
  written: number;
  /** The partition's type and kind, so a status poll can count `written` under its type (progress only). */
  type?: string;
  kind?: ExportPartition['kind'];
}
