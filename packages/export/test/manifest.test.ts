import { buildManifest, type ExportJobInput, NDJSON, outputKey } from '../src';

const input: ExportJobInput = {
  jobId: 'job-1',
  tenant: 'default',
  level: 'system',
  types: ['Patient', 'Observation'],
  outputFormat: NDJSON,
  requestUrl: 'http://h/$export?_type=Patient,Observation',
  transactionTime: '2026-01-01T00:00:00.000Z',
  requiresAccessToken: true,
  baseUrl: 'http://h',
};

describe('buildManifest', () => {
  it('lists non-empty files by type and file order, with download URLs', () => {
    const files = [
      { type: 'Patient', key: outputKey('default', 'job-1', 'Patient', 0, 10), count: 3, size: 30 },
      { type: 'Patient', key: outputKey('default', 'job-1', 'Patient', 0, 2), count: 5, size: 50 },
      { type: 'Observation', key: outputKey('default', 'job-1', 'Observation', 0, 0), count: 0, size: 0 },
    ];
    expect(buildManifest(input, files)).toEqual({
      transactionTime: '2026-01-01T00:00:00.000Z',
      request: 'http://h/$export?_type=Patient,Observation',
      requiresAccessToken: true,
      output: [
        { type: 'Patient', url: 'http://h/_export/job-1/files/Patient-0-2.ndjson', count: 5 },
        { type: 'Patient', url: 'http://h/_export/job-1/files/Patient-0-10.ndjson', count: 3 },
      ],
      deleted: [],
      error: [],
    });
  });
});
