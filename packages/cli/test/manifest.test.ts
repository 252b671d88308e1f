import { statusUrls } from '../src/connection';
import { countMismatches, countsAsResource, joinPages, type Manifest, manifestFiles, nextPage } from '../src/manifest';

const JOB = 'http://api.test/_export/j1';
const manifest = (over: Partial<Manifest> = {}): Manifest => ({
  transactionTime: '2026-12-07T12:00:00Z',
  request: 'http://api.test/$export',
  requiresAccessToken: true,
  output: [
    { type: 'Patient', url: `${JOB}/files/Patient-0-0.ndjson`, count: 2 },
    { type: 'Observation', url: `${JOB}/files/Observation-0-0.ndjson`, count: 3 },
  ],
  deleted: [{ type: 'Bundle', url: `${JOB}/files/Patient-deleted-0-0.ndjson`, count: 1 }],
  error: [{ type: 'OperationOutcome', url: `${JOB}/files/OperationOutcome-0-0.ndjson`, count: 1 }],
  ...over,
});

describe('checking downloads against the manifest', () => {
  it('lists every output, deleted and error file under the last segment of its URL', () => {
    expect(manifestFiles(manifest()).map((f) => [f.kind, f.name])).toEqual([
      ['output', 'Patient-0-0.ndjson'],
      ['output', 'Observation-0-0.ndjson'],
      ['deleted', 'Patient-deleted-0-0.ndjson'],
      ['error', 'OperationOutcome-0-0.ndjson'],
    ]);
  });

  it('refuses a manifest naming one file twice, or one called manifest.json', () => {
    const twice = manifest({ output: [manifest().output[0]!, manifest().output[0]!] });
    expect(() => manifestFiles(twice)).toThrow(/twice/);
    expect(() => manifestFiles(manifest({ output: [{ url: `${JOB}/files/manifest.json`, count: 1 }] }))).toThrow();
  });

  it('names each file whose counted resources differ from its count, and only those', () => {
    const files = manifestFiles(manifest());
    const counted = new Map([
      ['Patient-0-0.ndjson', 2],
      ['Observation-0-0.ndjson', 2],
      ['Patient-deleted-0-0.ndjson', 1],
    ]);
    expect(countMismatches(files, counted)).toEqual(['Observation-0-0.ndjson: 2 resources, the manifest says 3']);
  });

  it('counts every non-empty line, and with organizeOutputBy not the header Parameters of each block', () => {
    const header = JSON.stringify({
      resourceType: 'Parameters',
      parameter: [{ name: 'header', valueReference: { reference: 'Patient/p1' } }],
    });
    expect(countsAsResource(header, true)).toBe(false);
    expect(countsAsResource(header, false)).toBe(true);
    expect(countsAsResource('{"resourceType":"Patient","id":"p1"}', true)).toBe(true);
    expect(countsAsResource('  ', false)).toBe(false);
  });

  it('joins the pages of a partial manifest into one without links', () => {
    const first = manifest({ link: [{ relation: 'next', url: `${JOB}?page=2` }] });
    const second = manifest({ output: [{ type: 'Patient', url: `${JOB}/files/Patient-0-1.ndjson`, count: 5 }] });
    expect(nextPage(first)).toBe(`${JOB}?page=2`);
    expect(nextPage(second)).toBeUndefined();
    const joined = joinPages([first, second]);
    expect(joined.link).toBeUndefined();
    expect(joined.output.map((o) => o.count)).toEqual([2, 3, 5]);
    expect(joined.error).toHaveLength(2);
  });
});

describe('job references', () => {
  it('takes a status URL as it is', () => {
    expect(statusUrls('http://api.test', `${JOB}`)).toEqual([JOB]);
  });

  it('looks a job id up under each kind in turn, or the kind given', () => {
    expect(statusUrls('http://api.test/tenant/t', 'abc-1')).toEqual([
      'http://api.test/tenant/t/_export/abc-1',
      'http://api.test/tenant/t/_import/abc-1',
      'http://api.test/tenant/t/_viewdefinition-export/abc-1',
    ]);
    expect(statusUrls('http://api.test', 'abc-1', 'import')).toEqual(['http://api.test/_import/abc-1']);
  });

  it('refuses what is neither', () => {
    expect(() => statusUrls('http://api.test', '../x')).toThrow(/neither/);
  });
});
