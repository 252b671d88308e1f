import { type ExportedFile, type ExportPartition, outputKey, type PartitionCheckpoint } from '@fhir-bulk/export';
import { newRegistry, WorkerMetrics } from '@fhir-bulk/metrics';
import { EncryptingObjectStore } from '@fhir-bulk/object-store';
import type { ResourceDocument } from '@fhir-bulk/store';
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomBytes } from 'node:crypto';
import type { PartitionDeps, PartitionSource } from '../src/export/deps';
import { exportPartition } from '../src/export/export-partition';
import { patientExport, testExportSettings } from './export-job-input';
import { MemoryObjects } from './memory-objects';

/**
 * A partition's file written as upload parts, each checkpointed: a retried attempt goes on after the last completed
 * part instead of writing the file again. In memory, with parts far below S3's 5 MiB (MemoryObjects has no minimum).
 */
const tenant = 'clinic';
const job = patientExport(tenant, 'job-parts');
const partition: ExportPartition = { type: 'Patient', kind: 'output', index: 0, estimate: 60 };
const key = outputKey(job, partition, 0);

/** Patients of about `padding` bytes each, in storage order. */
const patients = (count: number, padding: number, version = 'v1') =>
  Array.from({ length: count }, (_, i): ResourceDocument => {
    const id = `p${String(i).padStart(3, '0')}`;
    return {
      _id: `${tenant}/${id}`,
      tenant,
      id,
      versionId: 1,
      lastUpdated: new Date('2025-06-01T00:00:00.000Z'),
      deleted: false,
      resource: { resourceType: 'Patient', id, text: { div: `${version}${'x'.repeat(padding)}` } },
      text: JSON.stringify({ resourceType: 'Patient', id, text: { div: `${version}${'x'.repeat(padding)}` } }),
      search: {},
      compartments: [`Patient/${id}`],
    };
  });

/** A storage-order scan over `documents` that fails (a worker killed) once it has yielded `failAfter` of them. */
function scan(documents: ResourceDocument[], failAfter = Infinity): PartitionSource {
  return {
    streamCurrent: () => {
      throw new Error('a storage-order scan reads no key-ordered stream');
    },
    async *scanRange(_tenant, _type, { skip = 0 }) {
      for (const [i, doc] of documents.slice(skip).entries()) {
        if (i === failAfter) throw new Error('worker killed');
        yield doc;
      }
    },
    compartmentsOf: async () => [],
  };
}

function depsOver(objects: PartitionDeps['objects'], store: PartitionSource, partBytes: number): PartitionDeps {
  return {
    objects,
    store,
    metrics: new WorkerMetrics(newRegistry()),
    server: { ferretdb: true, transactions: false, indexedRangeScans: false, indexedCompareAndSwap: false },
    settings: testExportSettings({ recordLimits: { Patient: 1_000 }, maxFileBytes: 100_000_000, partBytes }),
    patientSets: { load: async () => new Set() },
  };
}

/** One attempt of the activity; its heartbeats, and its files or its failure. */
async function attempt(deps: PartitionDeps, heartbeatDetails?: PartitionCheckpoint) {
  const env = new MockActivityEnvironment(heartbeatDetails ? { attempt: 2, heartbeatDetails } : {});
  const beats: PartitionCheckpoint[] = [];
  env.on('heartbeat', (details: PartitionCheckpoint) => beats.push(details));
  const result: { files?: ExportedFile[]; error?: unknown } = {};
  try {
    result.files = await env.run(exportPartition, deps, { job, partition });
  } catch (error) {
    result.error = error;
  }
  return { ...result, beats, last: beats.at(-1)! };
}

const ids = (ndjson: string) =>
  ndjson
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { id: string }).id);

const allIds = (documents: ResourceDocument[]) => documents.map((doc) => doc.id);

describe('a partition file written in checkpointed upload parts', () => {
  it('heartbeats the open file after each part: its upload, its records and the scan position after them', async () => {
    const documents = patients(20, 100);
    const objects = new MemoryObjects();
    const { files, beats } = await attempt(depsOver(objects, scan(documents), 600));

    const opened = beats.flatMap((beat) => (beat.open ? [beat.open] : []));
    expect(opened.length).toBeGreaterThanOrEqual(3);
    for (const [i, open] of opened.entries()) {
      expect(open).toMatchObject({ key, upload: { parts: i + 1 } });
      // Plain parts end where a record ends: no carry, and the position is that of the part's last record.
      expect(open.carry).toBeUndefined();
      expect(open.position).toEqual({
        lastKey: `${tenant}/${allIds(documents)[open.records - 1]}`,
        scanned: open.records,
      });
    }
    expect(beats.at(-1)?.open).toBeUndefined();
    expect(files).toEqual([expect.objectContaining({ key, count: 20 })]);
    expect(ids(await objects.getText(key))).toEqual(allIds(documents));
  });

  it('goes on after the last completed part when retried: those parts are not uploaded again, every record once', async () => {
    const documents = patients(30, 100);
    const objects = new MemoryObjects();
    const failed = await attempt(depsOver(objects, scan(documents, 22), 600));
    expect(failed).toHaveProperty('error');
    const open = failed.last.open!;
    expect(open.upload.parts).toBeGreaterThanOrEqual(2);
    const partsBefore = objects.partsPut.length;

    const retried = await attempt(depsOver(objects, scan(documents), 600), failed.last);

    expect(retried.files).toEqual([expect.objectContaining({ key, count: 30 })]);
    // Its progress goes on from the records those parts hold (a status poll never sees it go back).
    expect(Math.min(...retried.beats.map((beat) => beat.written))).toBeGreaterThanOrEqual(open.records);
    // The retry's first part follows the checkpointed ones.
    expect(objects.partsPut[partsBefore]).toBe(`${key}#${open.upload.parts + 1}`);
    expect(ids(await objects.getText(key))).toEqual(allIds(documents));
  });

  it('writes the file again from its start when its upload is gone (aborted or expired)', async () => {
    const documents = patients(30, 100);
    const objects = new MemoryObjects();
    const failed = await attempt(depsOver(objects, scan(documents, 22), 600));
    await objects.abortUploads('');
    const partsBefore = objects.partsPut.length;

    const retried = await attempt(depsOver(objects, scan(documents), 600), failed.last);

    expect(retried.files).toEqual([expect.objectContaining({ key, count: 30 })]);
    expect(objects.partsPut[partsBefore]).toBe(`${key}#1`);
    expect(ids(await objects.getText(key))).toEqual(allIds(documents));
  });
});

describe('the same with OBJECT_ENCRYPTION=on', () => {
  const keyring = [{ id: 'unit', key: randomBytes(32) }];

  it('resumes mid-record at a 64 KiB segment: the bytes the parts hold past the checkpoint are not written twice', async () => {
    const documents = patients(60, 2_000);
    const stored = new MemoryObjects();
    const objects = new EncryptingObjectStore(stored, keyring);
    const failed = await attempt(depsOver(objects, scan(documents, 50), 70_000));
    const open = failed.last.open!;
    // Parts end on segment boundaries, inside a record: the checkpoint carries that record's first bytes.
    expect(open.upload.parts).toBeGreaterThanOrEqual(1);
    expect(open.carry?.bytes).toBeGreaterThan(0);

    const retried = await attempt(depsOver(objects, scan(documents), 70_000), failed.last);

    expect(retried.files).toEqual([expect.objectContaining({ key, count: 60 })]);
    expect(ids(await objects.getText(key))).toEqual(allIds(documents));
  });

  it('writes the file again when the record the last part ends in has changed since', async () => {
    const documents = patients(60, 2_000);
    const stored = new MemoryObjects();
    const objects = new EncryptingObjectStore(stored, keyring);
    const failed = await attempt(depsOver(objects, scan(documents, 50), 70_000));
    const open = failed.last.open!;
    // The record after the checkpoint, whose first bytes the last part holds, is another now.
    const changed = [...documents];
    changed[open.records] = patients(60, 2_000, 'v2')[open.records]!;
    const partsBefore = stored.partsPut.length;

    const retried = await attempt(depsOver(objects, scan(changed), 70_000), failed.last);

    expect(retried.files).toEqual([expect.objectContaining({ key, count: 60 })]);
    expect(stored.partsPut[partsBefore]).toBe(`${key}#1`);
    const text = await objects.getText(key);
    expect(ids(text)).toEqual(allIds(documents));
    expect(text).toContain('"v2x');
  });
});
