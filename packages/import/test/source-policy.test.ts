import { OperationOutcomeError } from '@fhir-bulk/fhir';
import {
  checkHttpSource,
  defaultSourceIo,
  resolveImportSource,
  type SourceIo,
  type SourcePolicy,
} from '../src/source-policy';
import { isInternalAddress } from '../src/internal-address';

const policy: SourcePolicy = {
  s3Prefixes: ['s3://imports/', 's3://shared/feeds/a/'],
  httpPrefixes: ['https://allowed.example/data', 'http://127.0.0.1:9000/local/', 'https://[fd00::5]/'],
};

const resolve = (url: string) => resolveImportSource(url, policy, 'input[3].url');

/** The 400 `run` throws (sync or async), as its single issue. */
async function refusal(run: () => unknown) {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    expect(error.outcome.issue).toHaveLength(1);
    return { status: error.status, ...error.outcome.issue[0] };
  }
  throw new Error('expected an OperationOutcomeError');
}

describe('resolveImportSource', () => {
  it('resolves an object of an allowed bucket, its key as written', () => {
    expect(resolve('s3://imports/2024/patients 1.ndjson')).toEqual({
      kind: 's3',
      bucket: 'imports',
      key: '2024/patients 1.ndjson',
    });
  });

  it.each([
    ['s3://imports/../secret', 'segments'],
    ['s3://imports/a/../../other-bucket/x', 'segments'],
    ['s3://imports/./x', 'segments'],
    ['s3://imports/..', 'segments'],
    ['s3://imports/a//b', 'segments'],
    ['s3://imports/a\u0000b', 'U+0000'],
    ['s3://imports/a\ud800b', 'U+D800'],
    [`s3://imports/${'k'.repeat(1025)}`, '1024 bytes'],
  ])('refuses the object key of %s, which a store could read as another object', async (url, reason) => {
    expect(await refusal(() => resolve(url))).toMatchObject({
      status: 400,
      expression: ['input[3].url'],
      diagnostics: expect.stringContaining(reason) as string,
    });
  });

  it('resolves an object under an allowed S3 prefix, and refuses the rest of that bucket as forbidden', async () => {
    expect(resolve('s3://shared/feeds/a/p.ndjson')).toEqual({ kind: 's3', bucket: 'shared', key: 'feeds/a/p.ndjson' });
    for (const url of ['s3://shared/feeds/ab/p.ndjson', 's3://shared/feeds/a', 's3://shared/feeds/b/p.ndjson']) {
      expect(await refusal(() => resolve(url))).toMatchObject({
        status: 400,
        code: 'forbidden',
        expression: ['input[3].url'],
        diagnostics: expect.stringContaining('not under s3://shared/feeds/a/') as string,
      });
    }
  });

  it('checks the prefix only on keys already found whole: a way out of the prefix is refused as a bad key', async () => {
    expect(await refusal(() => resolve('s3://shared/feeds/a/../b/p.ndjson'))).toMatchObject({
      code: 'invalid',
      diagnostics: expect.stringContaining('segments') as string,
    });
  });

  it('resolves URLs under an allowed prefix, normalised', () => {
    expect(resolve('https://ALLOWED.example:443/data/x/../p.ndjson')).toEqual({
      kind: 'http',
      url: 'https://allowed.example/data/p.ndjson',
    });
    expect(resolve('https://allowed.example/data')).toEqual({ kind: 'http', url: 'https://allowed.example/data' });
  });

  it('allows an internal address that a prefix names literally', () => {
    expect(resolve('http://127.0.0.1:9000/local/p.ndjson')).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:9000/local/p.ndjson',
    });
    expect(resolve('https://[FD00:0::5]/p.ndjson')).toEqual({ kind: 'http', url: 'https://[fd00::5]/p.ndjson' });
  });

  it.each([
    ['another bucket', 's3://other/p.ndjson'],
    ['a bucket without a key', 's3://imports/'],
    ['a file: URL', 'file:///etc/passwd'],
    ['an ftp: URL', 'ftp://allowed.example/data/p.ndjson'],
    ['a data: URL', 'data:application/fhir+ndjson,{}'],
    ['a gopher: URL', 'gopher://allowed.example/data'],
    ['a relative URL', '/data/p.ndjson'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data'],
    ['an IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/'],
    ['a hex loopback', 'http://0x7f.1/'],
    ['a decimal loopback', 'http://2130706433/'],
    ['loopback on another port', 'http://127.0.0.1:9001/local/p.ndjson'],
    ['loopback outside the allowed path', 'http://127.0.0.1:9000/other'],
    ['another scheme than the prefix', 'http://allowed.example/data/p.ndjson'],
    ['another port than the prefix', 'https://allowed.example:8443/data/p.ndjson'],
    ['a user name in front of another host', 'https://allowed.example@evil.example/data/p.ndjson'],
    ['a user name in front of the allowed host', 'https://user:pw@allowed.example/data/p.ndjson'],
    ['a host that starts like the allowed one', 'https://allowed.example.evil.com/data/p.ndjson'],
    ['a path that starts like the allowed one', 'https://allowed.example/database'],
    ['a way out of the allowed path', 'https://allowed.example/data/../secret'],
    ['an encoded way out of the allowed path', 'https://allowed.example/data/..%2Fsecret'],
  ])('refuses %s', async (_name, url) => {
    expect(await refusal(() => resolve(url))).toMatchObject({
      status: 400,
      expression: ['input[3].url'],
      diagnostics: expect.stringContaining('input[3].url'),
    });
  });

  it('says why an internal address is refused', async () => {
    expect((await refusal(() => resolve('http://0x7f.1/'))).diagnostics).toContain('internal address');
  });

  it('allows no http(s) input when no prefix is configured', async () => {
    const none = { s3Prefixes: [], httpPrefixes: [] };
    expect(await refusal(() => resolveImportSource('https://allowed.example/data', none, 'u'))).toMatchObject({
      status: 400,
    });
  });
});

describe('checkHttpSource', () => {
  /** A fake network: DNS answers and HTTP answers by URL; records every request. */
  function network(
    dns: Record<string, string[]>,
    answers: Record<string, { status: number; headers?: Record<string, string> }>,
  ) {
    const requests: Array<{ url: string; init?: RequestInit }> = [];
    const io: SourceIo = {
      lookup: async (host) => {
        const addresses = dns[host];
        if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
        return addresses;
      },
      fetch: async (input, init) => {
        const url = String(input);
        requests.push({ url, ...(init ? { init } : {}) });
        const answer = answers[url];
        if (!answer) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
        return new Response(null, { status: answer.status, ...(answer.headers ? { headers: answer.headers } : {}) });
      },
    };
    return { io, requests };
  }

  const file = (size = 1234, etag = '"v1"') => ({ status: 200, headers: { 'content-length': String(size), etag } });
  const redirect = (location: string, status = 302) => ({ status, headers: { location } });
  const publicDns = { 'allowed.example': ['93.184.216.34'] };
  const check = (url: string, io: SourceIo) => checkHttpSource(url, policy, io, 'input[0].url');

  it('answers the size and entity tag of an allowed file, with one HEAD that follows no redirect itself', async () => {
    const { io, requests } = network(publicDns, { 'https://allowed.example/data/p.ndjson': file() });
    expect(await check('https://allowed.example/data/p.ndjson', io)).toEqual({
      url: 'https://allowed.example/data/p.ndjson',
      size: 1234,
      etag: '"v1"',
    });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.init).toMatchObject({ method: 'HEAD', redirect: 'manual' });
  });

  it('leaves etag out when the server sends none', async () => {
    const { io } = network(publicDns, {
      'https://allowed.example/data/p.ndjson': { status: 200, headers: { 'content-length': '0' } },
    });
    expect(await check('https://allowed.example/data/p.ndjson', io)).toEqual({
      url: 'https://allowed.example/data/p.ndjson',
      size: 0,
    });
  });

  it('refuses an allowed host that resolves to an internal address, before sending anything', async () => {
    const { io, requests } = network(
      { 'allowed.example': ['93.184.216.34', '10.0.0.5'] },
      { 'https://allowed.example/data/p.ndjson': file() },
    );
    const issue = await refusal(() => check('https://allowed.example/data/p.ndjson', io));
    expect(issue).toMatchObject({ status: 400, expression: ['input[0].url'] });
    expect(issue.diagnostics).toContain('10.0.0.5');
    expect(requests).toHaveLength(0);
  });

  it('refuses a host that does not resolve', async () => {
    const { io } = network({}, {});
    expect(await refusal(() => check('https://allowed.example/data/p.ndjson', io))).toMatchObject({ status: 400 });
  });

  it('reads an allowed internal address without resolving it', async () => {
    const { io } = network({}, { 'http://127.0.0.1:9000/local/p.ndjson': file(7) });
    expect(await check('http://127.0.0.1:9000/local/p.ndjson', io)).toMatchObject({ size: 7 });
  });

  it('follows redirects that stay in the allow-list, resolving relative locations', async () => {
    const { io, requests } = network(publicDns, {
      'https://allowed.example/data/a': redirect('b', 301),
      'https://allowed.example/data/b': redirect('http://127.0.0.1:9000/local/c', 307),
      'http://127.0.0.1:9000/local/c': file(99),
    });
    expect(await check('https://allowed.example/data/a', io)).toEqual({
      url: 'http://127.0.0.1:9000/local/c',
      size: 99,
      etag: '"v1"',
    });
    expect(requests.map((r) => r.url)).toEqual([
      'https://allowed.example/data/a',
      'https://allowed.example/data/b',
      'http://127.0.0.1:9000/local/c',
    ]);
  });

  it.each([
    ['the metadata address', 'http://169.254.169.254/latest/meta-data'],
    ['another host', 'https://evil.example/data/p.ndjson'],
    ['a path outside the prefix', '/database/p.ndjson'],
    ['a file: URL', 'file:///etc/passwd'],
    ['an allowed bucket', 's3://imports/p.ndjson'],
  ])('refuses a redirect to %s without following it', async (_name, location) => {
    const { io, requests } = network(publicDns, {
      'https://allowed.example/data/p.ndjson': redirect(location),
      'http://169.254.169.254/latest/meta-data': file(),
      'https://evil.example/data/p.ndjson': file(),
      'https://allowed.example/database/p.ndjson': file(),
    });
    expect(await refusal(() => check('https://allowed.example/data/p.ndjson', io))).toMatchObject({
      status: 400,
      expression: ['input[0].url'],
    });
    expect(requests).toHaveLength(1);
  });

  it('refuses a redirect to a host that resolves to an internal address', async () => {
    const { io, requests } = network(
      { ...publicDns, 'rebound.example': ['127.0.0.1'] },
      { 'https://allowed.example/data/p.ndjson': redirect('https://rebound.example/data/p.ndjson') },
    );
    const twoHosts = { ...policy, httpPrefixes: [...policy.httpPrefixes, 'https://rebound.example/'] };
    expect(
      await refusal(() => checkHttpSource('https://allowed.example/data/p.ndjson', twoHosts, io, 'input[0].url')),
    ).toMatchObject({ status: 400, diagnostics: expect.stringContaining('127.0.0.1') });
    expect(requests).toHaveLength(1);
  });

  it('follows at most five redirects', async () => {
    const hops = Object.fromEntries(
      Array.from({ length: 7 }, (_, i) => [`https://allowed.example/data/${i}`, redirect(`${i + 1}`)]),
    );
    const five = { ...hops, 'https://allowed.example/data/5': file(5) };
    expect(await check('https://allowed.example/data/0', network(publicDns, five).io)).toMatchObject({ size: 5 });
    const { io, requests } = network(publicDns, hops);
    expect(await refusal(() => check('https://allowed.example/data/0', io))).toMatchObject({
      status: 400,
      diagnostics: expect.stringContaining('redirects'),
    });
    expect(requests).toHaveLength(6);
  });

  it.each([
    ['a 404', { status: 404 }, 'HTTP 404'],
    ['a 500', { status: 500 }, 'HTTP 500'],
    ['a redirect without Location', { status: 302 }, 'Location'],
    ['no Content-Length', { status: 200, headers: { etag: '"x"' } }, 'Content-Length'],
    ['a bad Content-Length', { status: 200, headers: { 'content-length': '12abc' } }, 'Content-Length'],
  ])('answers 400 "could not be read" for %s', async (_name, answer, reason) => {
    const { io } = network(publicDns, { 'https://allowed.example/data/p.ndjson': answer });
    const issue = await refusal(() => check('https://allowed.example/data/p.ndjson', io));
    expect(issue).toMatchObject({ status: 400, expression: ['input[0].url'] });
    expect(issue.diagnostics).toContain('https://allowed.example/data/p.ndjson could not be read');
    expect(issue.diagnostics).toContain(reason);
  });

  it('answers 400 when the server cannot be reached', async () => {
    const { io } = network(publicDns, {});
    const issue = await refusal(() => check('https://allowed.example/data/p.ndjson', io));
    expect(issue).toMatchObject({ status: 400, diagnostics: expect.stringContaining('ECONNREFUSED') });
  });

  it('refuses what resolveImportSource refuses before any lookup', async () => {
    const { io, requests } = network(publicDns, {});
    expect(await refusal(() => check('http://[::ffff:127.0.0.1]/', io))).toMatchObject({ status: 400 });
    expect(requests).toHaveLength(0);
  });
});

describe('defaultSourceIo', () => {
  it('resolves names with the system resolver, every address of them', async () => {
    const addresses = await defaultSourceIo().lookup('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every(isInternalAddress)).toBe(true);
  });
});
