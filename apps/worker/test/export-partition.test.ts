import {
  type ExportedFile,
  type ExportPartition,
  NDJSON,
  outputKey,
  type PartitionCheckpoint,
} from '@fhir-bulk/export';
import { newRegistry, WorkerMetrics } from '@fhir-bulk/metrics';
import type { ResourceDocument } from '@fhir-bulk/store';
import { metricValue, parseMetrics } from '@fhir-bulk/test-support/src/metrics-text';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PartitionDeps, PartitionSource } from '../src/export/deps';
import { exportPartition } from '../src/export/export-partition';
import { patientExport, testExportSettings } from './export-job-input';
import { MemoryObjects } from './memory-objects';

const tenant = 'clinic';
const job = patientExport(tenant, 'job-1');
const partition: ExportPartition = { type: 'Patient', kind: 'output', index: 0, estimate: 7 };

function patient(id: string, lastUpdated = '2025-06-01T00:00:00.000Z', deleted = false): ResourceDocument {
  return {
    _id: `${tenant}/${id}`,
    tenant,
    id,
    versionId: 1,
    lastUpdated: new Date(lastUpdated),
    deleted,
    resource: { resourceType: 'Patient', id },
    text: JSON.stringify({ resourceType: 'Patient', id }),
    search: {},
    compartments: [`Patient/${id}`],
  };
}

/** In storage order, as FerretDB scans them: the export keeps p1–p5 only. */
const documents = [
  patient('p1'),
  patient('p2'),
  patient('late', '2026-02-01T00:00:00.000Z'),
  patient('p3'),
  patient('gone', '2025-06-01T00:00:00.000Z', true),
  patient('p4'),
  patient('p5'),
];

/** A storage-order scan over `documents` (FerretDB's way: no key-ordered reads), its first `firstAfterMs` in coming. */
function scan(firstAfterMs = 0): PartitionSource {
  return {
    streamCurrent: () => {
      throw new Error('a storage-order scan reads no key-ordered stream');
    },
    async *scanRange(_tenant, _type, { skip = 0 }) {
      await sleep(firstAfterMs);
      yield* documents.slice(skip);
    },
    compartmentsOf: async () => [],
  };
}

function depsOver(objects: MemoryObjects, store: PartitionSource, metrics = new WorkerMetrics(newRegistry())) {
  const deps: PartitionDeps = {
    objects,
    store,
    metrics,
    server: { ferretdb: true, transactions: false, indexedRangeScans: false, indexedCompareAndSwap: false },
    settings: testExportSettings(),
    patientSets: { load: async () => new Set() },
  };
  return deps;
}

/** What `metrics` holds now, as a scrape would read it. */
const scraped = async (metrics: WorkerMetrics) => parseMetrics(await metrics.registry.metrics());

/** Runs the activity as Temporal would, recording every heartbeat. */
async function run(env: MockActivityEnvironment, deps: PartitionDeps) {
  const beats: PartitionCheckpoint[] = [];
  env.on('heartbeat', (details: PartitionCheckpoint) => beats.push(details));
  const files: ExportedFile[] = await env.run(exportPartition, deps, { job, partition });
  return { files, beats };
}

const ids = async (objects: MemoryObjects, file: ExportedFile) =>
  (await objects.getText(file.key))
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { id: string }).id);

describe('exportPartition', () => {
  it('writes the resources in the job’s window into files that roll over at the record limit', async () => {
    const objects = new MemoryObjects();
    const metrics = new WorkerMetrics(newRegistry());
    const { files } = await run(new MockActivityEnvironment(), depsOver(objects, scan(), metrics));

    const samples = await scraped(metrics);
    const patients = { type: 'Patient' };
    expect(metricValue(samples, 'fhir_bulk_export_resources_total', patients)).toBe(5);
    expect(metricValue(samples, 'fhir_bulk_export_bytes_total', patients)).toBe(files.reduce((n, f) => n + f.size, 0));
    expect(metricValue(samples, 'fhir_bulk_export_file_size_bytes_count', patients)).toBe(3);
    expect(metricValue(samples, 'fhir_bulk_export_file_duration_seconds_count', patients)).toBe(3);
    expect(metricValue(samples, 'fhir_bulk_export_partition_duration_seconds_count', patients)).toBe(1);
    expect(metricValue(samples, 'fhir_bulk_checkpoint_resumes_total')).toBe(0);
    expect(files.map(({ key, count, kind }) => ({ key, count, kind }))).toEqual([
      { key: outputKey(job, partition, 0), count: 2, kind: 'output' },
      { key: outputKey(job, partition, 1), count: 2, kind: 'output' },
      { key: outputKey(job, partition, 2), count: 1, kind: 'output' },
    ]);
    expect(await Promise.all(files.map((file) => ids(objects, file)))).toEqual([['p1', 'p2'], ['p3', 'p4'], ['p5']]);
    expect((await objects.stat(files[0]!.key))?.contentType).toBe(NDJSON);
  });

  it('heartbeats a checkpoint after each file: its files and how far the storage-order scan got', async () => {
    const { files, beats } = await run(new MockActivityEnvironment(), depsOver(new MemoryObjects(), scan()));

    const afterFiles = beats.filter((beat) => beat.files.length > 0);
    expect(afterFiles.map(({ files: done, scanned, written }) => ({ files: done.length, scanned, written }))).toEqual([
      { files: 1, scanned: 2, written: 2 },
      { files: 2, scanned: 6, written: 4 },
      { files: 3, scanned: 7, written: 5 },
    ]);
    expect(afterFiles.at(-1)).toMatchObject({ files, type: 'Patient', kind: 'output' });
  });

  it('resumes from the last heartbeat of a failed attempt: completed files stay, the scan skips what they hold', async () => {
    const first = { type: 'Patient', key: outputKey(job, partition, 0), count: 2, size: 80, kind: 'output' as const };
    const checkpoint: PartitionCheckpoint = { files: [first], scanned: 2, written: 2, type: 'Patient', kind: 'output' };
    const objects = new MemoryObjects();

    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: checkpoint });
    const metrics = new WorkerMetrics(newRegistry());
    const { files } = await run(env, depsOver(objects, scan(), metrics));

    // One resume; only the files this attempt wrote are counted.
    const samples = await scraped(metrics);
    expect(metricValue(samples, 'fhir_bulk_checkpoint_resumes_total', { unit: 'partition' })).toBe(1);
    expect(metricValue(samples, 'fhir_bulk_export_resources_total', { type: 'Patient' })).toBe(3);

    expect(objects.puts).toEqual([outputKey(job, partition, 1), outputKey(job, partition, 2)]);
    expect(files[0]).toEqual(first);
    expect(await Promise.all(files.slice(1).map((file) => ids(objects, file)))).toEqual([['p3', 'p4'], ['p5']]);
  });

  it('heartbeats on a timer while the first document is long in coming, so the worker does not look dead', async () => {
    // A third of the heartbeat timeout: every 200 ms while the scan takes 700 ms to find its first document.
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 600 });
    const { beats } = await run(env, depsOver(new MemoryObjects(), scan(700)));

    const beforeFirstFile = beats.findIndex((beat) => beat.files.length > 0);
    expect(beforeFirstFile).toBeGreaterThanOrEqual(3);
  });

  it('stops when cancelled and never completes the file it was writing', async () => {
    const objects = new MemoryObjects();
    const env = new MockActivityEnvironment();
    // Cancelled as soon as the first file is complete, while the second one is being written.
    env.on('heartbeat', (details: PartitionCheckpoint) => details.files.length === 1 && env.cancel());

    const metrics = new WorkerMetrics(newRegistry());
    const error = await run(env, depsOver(objects, scan(), metrics)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect(await objects.list('')).toEqual([outputKey(job, partition, 0)]);
    // A cancel is no error, and the partition did not complete.
    const samples = await scraped(metrics);
    expect(metricValue(samples, 'fhir_bulk_activity_errors_total')).toBe(0);
    expect(metricValue(samples, 'fhir_bulk_export_partition_duration_seconds_count')).toBe(0);
  });
});
