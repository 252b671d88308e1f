import { pollJobStatus } from '../src/status-poll';

const STATUS_URL = 'http://api.example/tenant/_export/job';

/** A status endpoint that gives `answers` in turn: a Response, or an error to throw instead. */
function endpoint(...answers: Array<Response | Error>) {
  const calls: string[] = [];
  const fetch = async (url: string) => {
    calls.push(url);
    const answer = answers.shift() ?? new Error('no more answers');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { fetch, calls };
}

const running = () => new Response(null, { status: 202, headers: { 'X-Progress': 'half', 'Retry-After': '1' } });
const done = () => new Response('{}', { status: 200 });

describe('pollJobStatus', () => {
  it('polls while the job runs, reports each progress, and returns the first answer that is not a 202', async () => {
    const status = endpoint(running(), running(), done());
    const progress: Array<string | null> = [];
    const response = await pollJobStatus(STATUS_URL, {
      fetch: status.fetch,
      intervalMs: 1,
      onProgress: (p) => progress.push(p),
    });
    expect(response.status).toBe(200);
    expect(status.calls).toEqual([STATUS_URL, STATUS_URL, STATUS_URL]);
    expect(progress).toEqual(['half', 'half']);
  });

  it('waits out a 429 as its Retry-After says', async () => {
    const status = endpoint(new Response(null, { status: 429, headers: { 'Retry-After': '0.05' } }), done());
    const started = performance.now();
    expect((await pollJobStatus(STATUS_URL, { fetch: status.fetch, intervalMs: 1 })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('sends a poll once more after a network error (fetch failed)', async () => {
    const status = endpoint(new TypeError('fetch failed'), done());
    expect((await pollJobStatus(STATUS_URL, { fetch: status.fetch })).status).toBe(200);
    expect(status.calls).toHaveLength(2);
  });

  it('gives up after a second network error in a row', async () => {
    const status = endpoint(new TypeError('fetch failed'), new TypeError('fetch failed'), done());
    await expect(pollJobStatus(STATUS_URL, { fetch: status.fetch })).rejects.toThrow('fetch failed');
    expect(status.calls).toHaveLength(2);
  });

  it('does not send again after an error that is no network error (a bad STATUS_URL)', async () => {
    const status = endpoint(new TypeError('Failed to parse STATUS_URL'), done());
    await expect(pollJobStatus(STATUS_URL, { fetch: status.fetch })).rejects.toThrow('Failed to parse STATUS_URL');
    expect(status.calls).toHaveLength(1);
  });

  it('throws when the job still runs after timeoutMs', async () => {
    const status = endpoint(running(), running(), running());
    await expect(pollJobStatus(STATUS_URL, { fetch: status.fetch, intervalMs: 20, timeoutMs: 10 })).rejects.toThrow(
      'job still running after 10 ms',
    );
  });
});
