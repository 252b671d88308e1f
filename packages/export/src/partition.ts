import type { UploadProgress } from '@fhir-bulk/object-store';
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

/** Where a scan stands: after `lastKey` (key-ordered scans, MongoDB), or after `scanned` documents (FerretDB). */
export interface ScanPosition {
  lastKey?: string;
  /**
   * Where a storage-order scan (FerretDB) resumes: documents of the range scanned up to and including the last
   * one written. Key-ordered scans (MongoDB) resume from lastKey instead.
   */
  scanned?: number;
}

/**
 * What a partition activity heartbeats: the files it has completed and where the last of them ended, and the file
 * it is writing, from its last completed upload part on. A retry resumes that upload after its last part, with the
 * scan right after the last record the parts hold; without one (none yet, or the upload gone) it rewrites the
 * unfinished file from the start, under the same name.
 */
export interface PartitionCheckpoint extends ScanPosition {
  files: ExportedFile[];
  /** Resources written so far, the unfinished file included: progress only, never used to resume. */
  written: number;
  /** The partition's type and kind, so a status poll can count `written` under its type (progress only). */
  type?: string;
  kind?: ExportPartition['kind'];
  /** The unfinished file, once a part of it is uploaded. */
  open?: OpenFile;
}

/** A file partly uploaded: its upload, what the completed parts hold, and where the scan goes on. */
export interface OpenFile {
  key: string;
  upload: UploadProgress;
  /** Records in the completed parts. */
  records: number;
  /** After the last record whose bytes all lie in the completed parts. */
  position: ScanPosition;
  /**
   * Bytes the completed parts hold after that record (encrypted parts end on a 64 KiB segment, mid-record): the
   * resumed file skips as many bytes of what it writes next, once their digest shows they are the same.
   */
  carry?: { bytes: number; digest: string };
}
