import { buildManifest, errorKey, type ExportedFile, manifestPage, NDJSON, outputKey } from '../src';

const job = {
  jobId: 'job-1',
  baseUrl: 'http://h',
  requestUrl: 'http://h/$export?_type=Patient,Observation',
  transactionTime: '2026-01-01T00:00:00.000Z',
  requiresAccessToken: true,
};
const file = (type: string, kind: ExportedFile['kind'], index: number, seq: number, count: number): ExportedFile => ({
  type,
  kind,
  key:
    kind === 'error'
      ? errorKey('default', 'job-1')
      : outputKey({ tenant: 'default', jobId: 'job-1', outputFormat: NDJSON }, { type, kind, index }, seq),
  count,
  size: count * 10,
});

describe('buildManifest', () => {
  it('lists non-empty files by type and natural file order, with download URLs', () => {
    const files = [
      file('Patient', 'output', 0, 10, 3),
      file('Patient', 'output', 0, 2, 5),
      file('Observation', 'output', 0, 0, 0),
      file('Observation', 'output', 1, 0, 4),
    ];
    expect(buildManifest(job, files)).toEqual({
      transactionTime: '2026-01-01T00:00:00.000Z',
      request: 'http://h/$export?_type=Patient,Observation',
      requiresAccessToken: true,
      output: [
        { type: 'Observation', url: 'http://h/_export/job-1/files/Observation-1-0.ndjson', count: 4 },
        { type: 'Patient', url: 'http://h/_export/job-1/files/Patient-0-2.ndjson', count: 5 },
        { type: 'Patient', url: 'http://h/_export/job-1/files/Patient-0-10.ndjson', count: 3 },
      ],
      deleted: [],
      error: [],
    });
  });

  it('says how output is organized when the request organized it (IG 3.0.0 outputOrganizedBy)', () => {
    const mixed = { ...file('Patient', 'output', 0, 0, 3), type: undefined };
    const manifest = buildManifest({ ...job, organizeOutputBy: 'Patient' }, [mixed]);
    expect(manifest.outputOrganizedBy).toBe('Patient');
    expect(manifest.output).toEqual([{ url: 'http://h/_export/job-1/files/Patient-0-0.ndjson', count: 3 }]);
    expect(buildManifest(job, [mixed])).not.toHaveProperty('outputOrganizedBy');
  });

  it('puts tombstone files in deleted, typed Bundle as the lines they hold, and lenient-handling outcomes in error', () => {
    const manifest = buildManifest(job, [
      file('Patient', 'deleted', 0, 0, 2),
      file('OperationOutcome', 'error', 0, 0, 1),
    ]);
    expect(manifest.output).toEqual([]);
    expect(manifest.deleted).toEqual([
      { type: 'Bundle', url: 'http://h/_export/job-1/files/Patient-deleted-0-0.ndjson', count: 2 },
    ]);
    expect(manifest.error).toEqual([
      { type: 'OperationOutcome', url: 'http://h/_export/job-1/files/OperationOutcome-0-0.ndjson', count: 1 },
    ]);
  });
});

describe('manifestPage', () => {
  const manifest = buildManifest(job, [
    ...[0, 1, 2, 3, 4].map((seq) => file('Patient', 'output', 0, seq, 1)),
    file('Patient', 'deleted', 0, 0, 1),
    file('OperationOutcome', 'error', 0, 0, 1),
  ]);

  it('pages output files with next links, deleted on the first page only, error on every page', () => {
    const first = manifestPage(manifest, 1, 2, 'http://h/_export/job-1');
    expect(first.output.map((o) => o.url.split('/').pop())).toEqual(['Patient-0-0.ndjson', 'Patient-0-1.ndjson']);
    expect(first.deleted).toHaveLength(1);
    expect(first.link).toEqual([{ relation: 'next', url: 'http://h/_export/job-1?page=2' }]);
    const last = manifestPage(manifest, 3, 2, 'http://h/_export/job-1');
    expect(last.output.map((o) => o.url.split('/').pop())).toEqual(['Patient-0-4.ndjson']);
    expect(last.deleted).toEqual([]);
    expect(last.link).toBeUndefined();
    // IG 3.0.0: a linked manifest repeats every field but output, deleted and link.
    expect(first.error).toHaveLength(1);
    expect(last.error).toEqual(first.error);
  });

  it('returns the whole manifest on page 1 when it fits', () => {
    expect(manifestPage(manifest, 1, 1000, 'http://h/_export/job-1')).toEqual(manifest);
  });
});
