import { metricValue, parseMetrics } from '@fhir-bulk/test-support/src/metrics-text';
import { type RouteApp, startRouteApp } from '@fhir-bulk/test-support/src/route-app';

// The request histogram's labels, in-process against fake jobs (metrics.int.test.ts scrapes the real stack).
let app: RouteApp;
let owner: string;
beforeAll(async () => {
  app = await startRouteApp();
  owner = app.tokens.issue();
});
afterAll(() => app.stop());

async function scrape() {
  const response = await fetch(`${app.baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
}

const requests = (samples: ReturnType<typeof parseMetrics>, labels: Record<string, string>) =>
  metricValue(samples, 'fhir_bulk_http_request_duration_seconds_count', labels);

describe('GET /metrics', () => {
  it('answers without a token, in Prometheus text format, with Node process metrics too', async () => {
    expect(metricValue(await scrape(), 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('labels requests by route pattern, one label for every mount and tenant of [base]', async () => {
    const before = await scrape();
    for (const path of ['/metadata', '/fhir/metadata', '/tenant/a1/metadata', '/fhir/tenant/b2/metadata']) {
      expect((await app.request(path, undefined)).status).toBe(200);
    }
    const after = await scrape();
    const labels = { method: 'GET', route: '[base]/metadata', status: '200' };
    expect(requests(after, labels) - requests(before, labels)).toBe(4);
  });

  it('labels a job URL by its pattern, never by its job id', async () => {
    const kickoff = await app.request('/$export', owner, { headers: { Prefer: 'respond-async' } });
    expect(kickoff.status).toBe(202);
    const jobId = kickoff.headers.get('content-location')!.split('/').pop()!;
    expect((await app.request(`/_export/${jobId}`, owner)).status).toBe(202);

    const samples = await scrape();
    expect(requests(samples, { method: 'GET', route: '[base]/$export', status: '202' })).toBeGreaterThanOrEqual(1);
    expect(requests(samples, { method: 'GET', route: '[base]/_export/:jobId', status: '202' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(samples.some((sample) => Object.values(sample.labels).some((value) => value.includes(jobId)))).toBe(false);
  });

  it('counts requests refused before any route matched as unmatched, with their status', async () => {
    const before = await scrape();
    expect((await app.request('/_export/some-job', undefined)).status).toBe(401);
    expect((await app.request('/no/such/thing/here', owner)).status).toBe(404);
    const after = await scrape();
    for (const status of ['401', '404']) {
      const labels = { route: 'unmatched', status };
      expect(requests(after, labels) - requests(before, labels)).toBe(1);
    }
  });
});
