import { metricValue, parseMetrics } from '@fhir-bulk/test-support/src/metrics-text';
import { ApiMetrics, jobKindLabel, newRegistry } from '../src';

/** A storage source whose answers the test sets, counting how often it is read. */
function storage(...answers: Array<Map<string, number> | Error>) {
  const source = {
    reads: 0,
    read: async () => {
      const answer = answers[Math.min(source.reads++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return source;
}

const scrape = async (metrics: ApiMetrics) => parseMetrics(await metrics.registry.metrics());

describe('storage held per tenant', () => {
  it('is read at scrape time, at most once per cache period', async () => {
    const source = storage(new Map([['a', 100]]), new Map([['a', 250]]));
    const metrics = new ApiMetrics(newRegistry(), source.read, 60_000);
    expect(metricValue(await scrape(metrics), 'fhir_bulk_storage_bytes', { tenant: 'a' })).toBe(100);
    expect(metricValue(await scrape(metrics), 'fhir_bulk_storage_bytes', { tenant: 'a' })).toBe(100);
    expect(source.reads).toBe(1);
  });

  it('drops tenants that hold nothing any more, and keeps the last values when a read fails', async () => {
    const source = storage(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
      new Map([['b', 3]]),
      new Error('MongoDB is down'),
    );
    const metrics = new ApiMetrics(newRegistry(), source.read, 0);
    await scrape(metrics);
    const second = await scrape(metrics);
    expect(second.filter((s) => s.name === 'fhir_bulk_storage_bytes').map((s) => s.labels.tenant)).toEqual(['b']);
    expect(metricValue(await scrape(metrics), 'fhir_bulk_storage_bytes', { tenant: 'b' })).toBe(3);
    expect(source.reads).toBe(3);
  });
});

describe('each registry counts only its own', () => {
  it('keeps two processes’ worth of metrics apart in one process', async () => {
    const [one, two] = [
      new ApiMetrics(newRegistry(), storage(new Map()).read),
      new ApiMetrics(newRegistry(), storage(new Map()).read),
    ];
    one.jobStarted('export', 't');
    one.jobStarted('view-export', 't');
    two.jobCancelled('import', 't');
    expect(metricValue(await scrape(one), 'fhir_bulk_jobs_started_total', { tenant: 't' })).toBe(2);
    expect(metricValue(await scrape(two), 'fhir_bulk_jobs_started_total')).toBe(0);
    expect(metricValue(await scrape(two), 'fhir_bulk_jobs_cancelled_total', { kind: 'import' })).toBe(1);
  });
});

describe('jobKindLabel', () => {
  it('tells view exports from exports; imports are imports', () => {
    expect(jobKindLabel('export', {})).toBe('export');
    expect(jobKindLabel('export', { viewRequests: [] })).toBe('export');
    expect(jobKindLabel('export', { viewRequests: [{ id: 'v' }] })).toBe('view-export');
    expect(jobKindLabel('import', {})).toBe('import');
  });
});
