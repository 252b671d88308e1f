import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InternalAddressError, pinnedFetch, pinnedLookup, type ResolveHost } from '../src/pinned-fetch';

/** A resolver answering `answers` in turn (the last one again once they run out), counting its calls. */
function resolver(...answers: string[][]): ResolveHost & { calls: number } {
  const resolve = Object.assign(async () => answers[Math.min(resolve.calls++, answers.length - 1)]!, { calls: 0 });
  return resolve;
}

/** What a net-style lookup call answers: an error, or the addresses it hands the socket. */
function lookupOnce(resolve: ResolveHost, options: { all?: boolean; family?: number }) {
  return new Promise<{ error: Error | null; address: unknown; family?: number }>((done) => {
    pinnedLookup(resolve)('files.example', options, (error, address, family) =>
      done({ error, address, ...(family === undefined ? {} : { family }) }),
    );
  });
}

/** Why a fetch failed: fetch rejects with `fetch failed`, its cause the connection's error. */
const failure = (reading: Promise<unknown>) =>
  reading.then(
    () => undefined,
    (error: unknown) => (error as { cause?: unknown }).cause,
  );

describe('pinnedLookup', () => {
  it('hands the socket exactly the addresses it checked', async () => {
    const resolve = resolver(['203.0.113.5', '2001:db8::5']);
    expect(await lookupOnce(resolve, { all: true })).toEqual({
      error: null,
      address: [
        { address: '203.0.113.5', family: 4 },
        { address: '2001:db8::5', family: 6 },
      ],
    });
    expect(await lookupOnce(resolve, { family: 6 })).toEqual({ error: null, address: '2001:db8::5', family: 6 });
  });

  it('refuses a name with an internal address among public ones, never answering the public one alone', async () => {
    for (const all of [true, false]) {
      const { error, address } = await lookupOnce(resolver(['203.0.113.5', '127.0.0.1']), { all });
      expect(error).toBeInstanceOf(InternalAddressError);
      expect(error?.message).toContain('127.0.0.1');
      expect(address).toBe('');
    }
  });
});

describe('pinnedFetch', () => {
  let server: Server;
  let port: number;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url!);
      res.end('inside');
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((closed) => server.close(closed)));
  beforeEach(() => (requests.length = 0));

  it('refuses at connect time a host resolving to an internal address: nothing reaches the server', async () => {
    const fetchPinned = pinnedFetch(resolver(['127.0.0.1']));
    const cause = await failure(fetchPinned(`http://files.example:${port}/p.ndjson`, { redirect: 'manual' }));
    expect(cause).toBeInstanceOf(InternalAddressError);
    expect(requests).toEqual([]);
  });

  it('connects to what the connect-time lookup checked, not to what an earlier lookup saw (no rebinding)', async () => {
    // The first answer (what a kick-off check would have seen) is public; by the connect it is loopback.
    const resolve = resolver(['203.0.113.5'], ['127.0.0.1']);
    expect(await resolve('files.example')).toEqual(['203.0.113.5']);
    const cause = await failure(pinnedFetch(resolve)(`http://files.example:${port}/p.ndjson`, { redirect: 'manual' }));
    expect(cause).toBeInstanceOf(InternalAddressError);
    expect(resolve.calls).toBe(2);
    expect(requests).toEqual([]);
  });

  it('reads an IP-literal host directly (the allow-list judged it), without any lookup', async () => {
    const resolve = resolver([]);
    const response = await pinnedFetch(resolve)(`http://127.0.0.1:${port}/p.ndjson`, { redirect: 'manual' });
    expect(await response.text()).toBe('inside');
    expect(resolve.calls).toBe(0);
    expect(requests).toEqual(['/p.ndjson']);
  });
});
