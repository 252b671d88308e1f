import { OperationOutcomeError } from '@fhir-bulk/fhir';
import {
  applySubmit,
  type BulkSubmitRequest,
  manifestPage,
  parseBulkSubmit,
  parseBulkSubmitStatus,
  planSubmit,
  type Submission,
  submissionRecordId,
} from '../src';

const SUBMITTER = { system: 'https://provider.example/ids', value: 'lab-1' };
const body = (...parameter: object[]) => ({ resourceType: 'Parameters', parameter });
const key = [
  { name: 'submitter', valueIdentifier: SUBMITTER },
  { name: 'submissionId', valueString: 's1' },
];
const manifest = { name: 'manifestUrl', valueUrl: 'https://provider.example/m1.json' };
const fhirBase = { name: 'fhirBaseUrl', valueUrl: 'https://provider.example/fhir' };
const status = (code: string) => ({
  name: 'submissionStatus',
  valueCoding: { system: 'http://hl7.org/fhir/event-status', code },
});

/** The parameter a 400 names (its expression). */
function refusedAt(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof OperationOutcomeError && error.status === 400) return error.outcome.issue[0]!.expression?.[0];
    throw error;
  }
  throw new Error('not refused');
}

describe('parseBulkSubmit', () => {
  it('reads a manifest submission, in-progress by default', () => {
    expect(parseBulkSubmit(body(...key, manifest, fhirBase), '4.0.1')).toEqual({
      submitter: SUBMITTER,
      submissionId: 's1',
      submissionStatus: 'in-progress',
      manifestUrl: manifest.valueUrl,
      fhirBaseUrl: fhirBase.valueUrl,
    });
  });

  it('reads completed and stopped without a manifest', () => {
    expect(parseBulkSubmit(body(...key, status('completed')), '4.0.1').submissionStatus).toBe('completed');
    expect(parseBulkSubmit(body(...key, status('stopped')), '4.0.1').submissionStatus).toBe('stopped');
  });

  it.each([
    ['submitter', body(key[1]!, status('completed'))],
    ['submitter', body({ name: 'submitter', valueString: 'lab-1' }, key[1]!, status('completed'))],
    ['submissionId', body(key[0]!, status('completed'))],
    ['manifestUrl', body(...key)],
    ['fhirBaseUrl', body(...key, manifest)],
    ['manifestUrl', body(...key, { name: 'manifestUrl', valueUrl: 'relative/m.json' }, fhirBase)],
    ['submissionStatus', body(...key, status('aborted'))],
    ['submissionStatus', body(...key, { name: 'submissionStatus', valueCoding: { system: 'x', code: 'completed' } })],
    ['outputFormat', body(...key, status('completed'), { name: 'outputFormat', valueString: 'text/csv' })],
    ['fileRequestHeader', body(...key, status('completed'), { name: 'fileRequestHeader', part: [] })],
    ['unknown', body(...key, status('completed'), { name: 'unknown', valueString: 'x' })],
  ])('refuses a request whose %s is missing or invalid', (at, request) => {
    expect(refusedAt(() => parseBulkSubmit(request, '4.0.1'))).toBe(at);
  });

  it('takes NDJSON with an R4 fhirVersion, and metadata parts', () => {
    const metadata = { name: 'metadata', part: [{ name: 'parameterUrl', valueUri: 'https://x.example/p' }] };
    const format = { name: 'outputFormat', valueString: 'application/fhir+ndjson; fhirVersion=4.0' };
    expect(parseBulkSubmit(body(...key, manifest, fhirBase, format, metadata), '4.0.1').manifestUrl).toBe(
      manifest.valueUrl,
    );
  });

  it("takes NDJSON of the tenant's version only: 5.0 on an R5 tenant, not on an R4 one", () => {
    const format = { name: 'outputFormat', valueString: 'application/fhir+ndjson; fhirVersion=5.0' };
    const request = body(...key, manifest, fhirBase, format);
    expect(parseBulkSubmit(request, '5.0.0').manifestUrl).toBe(manifest.valueUrl);
    expect(refusedAt(() => parseBulkSubmit(request, '4.0.1'))).toBe('outputFormat');
  });
});

describe('parseBulkSubmitStatus', () => {
  it('reads the submission key', () => {
    expect(parseBulkSubmitStatus(body(...key), '4.0.1')).toEqual({ submitter: SUBMITTER, submissionId: 's1' });
  });
});

describe('manifestPage', () => {
  const url = 'https://provider.example/m1.json';
  it("turns a manifest's output into import inputs, and finds the next page", () => {
    const page = manifestPage(
      {
        transactionTime: '2026-01-01T00:00:00Z',
        output: [{ type: 'Patient', url: 's3://b/t/p.ndjson', count: 3 }],
        link: [{ relation: 'next', url: 'https://provider.example/m1-2.json' }],
      },
      url,
      '4.0.1',
    );
    expect(page).toEqual({
      inputs: [{ type: 'Patient', url: 's3://b/t/p.ndjson' }],
      next: 'https://provider.example/m1-2.json',
    });
  });

  it.each([
    ['not an object', []],
    ['an unknown type', { output: [{ type: 'Nope', url: 's3://b/t/x' }] }],
    ['a file without url', { output: [{ type: 'Patient' }] }],
    ['outputOrganizedBy', { outputOrganizedBy: 'Patient', output: [] }],
    ['deleted files', { output: [], deleted: [{ type: 'Bundle', url: 's3://b/t/d' }] }],
    ['another format', { outputFormat: 'application/vnd.apache.parquet', output: [] }],
  ])('refuses a manifest with %s, naming manifestUrl', (_, json) => {
    expect(refusedAt(() => manifestPage(json, url, '4.0.1'))).toBe('manifestUrl');
  });

  it("takes a manifest's outputFormat of the tenant's version only", () => {
    const json = { outputFormat: 'application/fhir+ndjson; fhirVersion=5.0', output: [] };
    expect(manifestPage(json, url, '5.0.0').inputs).toEqual([]);
    expect(refusedAt(() => manifestPage(json, url, '4.0.1'))).toBe('manifestUrl');
  });
});

describe('submissions', () => {
  const request = (more: Partial<BulkSubmitRequest> = {}): BulkSubmitRequest => ({
    submitter: SUBMITTER,
    submissionId: 's1',
    submissionStatus: 'in-progress',
    ...more,
  });
  const start = {
    _id: 'id',
    tenant: 't',
    requestedBy: 'c',
    createdAt: 'now',
    submitter: SUBMITTER,
    submissionId: 's1',
  };
  const withManifests = (...urls: string[]): Submission => {
    let submission: Submission | undefined;
    urls.forEach((manifestUrl, i) => {
      const plan = planSubmit(submission, request({ manifestUrl, fhirBaseUrl: 'b' }), 'c');
      if (plan.kind !== 'change') throw new Error('expected a change');
      submission = applySubmit(submission, plan, start, `job-${i}`);
    });
    return submission!;
  };

  it('adds manifests in sequence, each with its job', () => {
    const submission = withManifests('m1', 'm2');
    expect(submission.manifests.map((m) => [m.manifestUrl, m.jobId])).toEqual([
      ['m1', 'job-0'],
      ['m2', 'job-1'],
    ]);
    expect(submission.revision).toBe(2);
  });

  it('answers a manifest submitted again as a repeat', () => {
    expect(planSubmit(withManifests('m1'), request({ manifestUrl: 'm1', fhirBaseUrl: 'b' }), 'c')).toEqual({
      kind: 'repeat',
    });
  });

  it('replaces a manifest: the old one is marked and its job cancelled', () => {
    const plan = planSubmit(withManifests('m1'), request({ manifestUrl: 'm2', replacesManifestUrl: 'm1' }), 'c');
    expect(plan).toMatchObject({ kind: 'change', cancel: ['job-0'], add: { manifestUrl: 'm2' } });
    const next = applySubmit(withManifests('m1'), plan as Extract<typeof plan, { kind: 'change' }>, start, 'job-1');
    expect(next.manifests.map((m) => [m.manifestUrl, m.replaced ?? false])).toEqual([
      ['m1', true],
      ['m2', false],
    ]);
  });

  it('refuses to replace a manifest the submission does not hold', () => {
    expect(refusedAt(() => planSubmit(withManifests('m1'), request({ replacesManifestUrl: 'mx' }), 'c'))).toBe(
      'replacesManifestUrl',
    );
  });

  it('stopping cancels every job; a completed or stopped submission takes nothing more', () => {
    const plan = planSubmit(withManifests('m1', 'm2'), request({ submissionStatus: 'stopped' }), 'c');
    expect(plan).toMatchObject({ kind: 'change', status: 'stopped', cancel: ['job-0', 'job-1'] });
    const stopped = applySubmit(withManifests('m1', 'm2'), plan as Extract<typeof plan, { kind: 'change' }>, start);
    expect(planSubmit(stopped, request({ submissionStatus: 'stopped' }), 'c')).toEqual({ kind: 'repeat' });
    expect(() => planSubmit(stopped, request({ manifestUrl: 'm3', fhirBaseUrl: 'b' }), 'c')).toThrow(
      expect.objectContaining({ status: 409 }),
    );
  });

  it("refuses another client's submission", () => {
    expect(() => planSubmit(withManifests('m1'), request({ submissionStatus: 'completed' }), 'other')).toThrow(
      expect.objectContaining({ status: 403 }),
    );
  });

  it('names one record per tenant, submitter and submission id', () => {
    const id = submissionRecordId('t', { submitter: SUBMITTER, submissionId: 's1' });
    expect(id).toMatch(/^[0-9a-f]{40}$/);
    expect(submissionRecordId('u', { submitter: SUBMITTER, submissionId: 's1' })).not.toBe(id);
  });
});
