import {
  buildManifest,
  errorKey,
  type ExportedFile,
  type ExportManifest,
  manifestPage,
  NDJSON,
  outputKey,
} from '../src';

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

  it('keeps the recorded order for a client that allowed partial manifests, so pages never reorder', () => {
    const files = [file('Patient', 'output', 0, 10, 3), file('Observation', 'output', 1, 0, 4)];
    const manifest = buildManifest({ ...job, allowPartialManifests: true }, files);
    expect(manifest.output.map((o) => o.url.split('/').pop())).toEqual([
      'Patient-0-10.ndjson',
      'Observation-1-0.ndjson',
    ]);
  });
});

describe('manifestPage', () => {
  const statusUrl = 'http://h/_export/job-1';
  const recorded = { ...job, allowPartialManifests: true };
  const outputs = [3, 0, 4, 1, 2].map((seq) => file('Patient', 'output', 0, seq, 1));
  const manifest = buildManifest(recorded, [
    file('OperationOutcome', 'error', 0, 0, 1),
    ...outputs,
    file('Patient', 'deleted', 0, 0, 1),
  ]);
  const names = (page?: ExportManifest) => page?.output.map((o) => o.url.split('/').pop());

  it('pages files in recorded order with next links, deleted after every output file, error on every page', () => {
    const first = manifestPage(manifest, 1, 2, statusUrl, true);
    expect(names(first)).toEqual(['Patient-0-3.ndjson', 'Patient-0-0.ndjson']);
    expect(first.deleted).toEqual([]);
    expect(first.link).toEqual([{ relation: 'next', url: 'http://h/_export/job-1?page=2' }]);
    const last = manifestPage(manifest, 3, 2, statusUrl, true);
    expect(names(last)).toEqual(['Patient-0-2.ndjson']);
    expect(last.deleted).toHaveLength(1);
    expect(last.link).toBeUndefined();
    // IG 3.0.0: a linked manifest repeats every field but output, deleted and link.
    expect(first.error).toHaveLength(1);
    expect(last.error).toEqual(first.error);
  });

  it('returns the whole manifest on page 1 when it fits', () => {
    expect(manifestPage(manifest, 1, 1000, statusUrl, true)).toEqual(manifest);
  });

  it('while the export runs, hands out only full pages, each as it will be once the export is complete', () => {
    const soFar = (count: number) =>
      buildManifest(recorded, [file('OperationOutcome', 'error', 0, 0, 1), ...outputs.slice(0, count)]);
    expect(manifestPage(soFar(1), 1, 2, statusUrl, false)).toBeUndefined();
    const returned = manifestPage(soFar(3), 1, 2, statusUrl, false);
    expect(returned).toBeDefined();
    expect(returned!.link).toBeUndefined();
    expect(manifestPage(soFar(3), 2, 2, statusUrl, false)).toBeUndefined();
    // Later responses only add the link to the next page, once it is full.
    const { link, ...again } = manifestPage(soFar(4), 1, 2, statusUrl, false)!;
    expect(again).toEqual(returned);
    expect(link).toEqual([{ relation: 'next', url: 'http://h/_export/job-1?page=2' }]);
    const { link: _link, ...complete } = manifestPage(manifest, 1, 2, statusUrl, true);
    expect(complete).toEqual(returned);
  });

  it('while the export runs, leaves deleted files for the pages after every output file', () => {
    const running = buildManifest(recorded, [...outputs.slice(0, 2), file('Patient', 'deleted', 0, 0, 1)]);
    expect(manifestPage(running, 1, 2, statusUrl, false)?.deleted).toEqual([]);
    expect(manifestPage(running, 1, 2, statusUrl, false)?.link).toBeUndefined();
  });
});
