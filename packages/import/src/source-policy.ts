import { badRequest, type IssueCode, OperationOutcomeError, outcome, textProblem } from '@fhir-bulk/fhir';
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { ImportSource } from './import-job';

/**
 * Where imports may read from (server-side request forgery protection): the server fetches what clients name, so
 * only buckets and URL prefixes the operator listed are allowed, never the server's own network by accident.
 */
export interface SourcePolicy {
  s3Buckets: string[];
  /** E.g. `https://files.example/fhir/`; an internal address is allowed only as the literal host of a prefix. */
  httpPrefixes: string[];
}

/** The network a source check uses: DNS and HTTP, passed in so the checks are tested without a network. */
export interface SourceIo {
  /** Every address `host` resolves to. */
  lookup: (host: string) => Promise<string[]>;
  fetch: typeof fetch;
}

export function defaultSourceIo(): SourceIo {
  return {
    lookup: async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address),
    fetch,
  };
}

const MAX_REDIRECTS = 5;
const HEAD_TIMEOUT_MS = 10_000;

/**
 * Where `url` is read from, if the policy allows it; else a 400 naming `parameter`. Pure: host names are not
 * resolved here (checkHttpSource does). An http(s) source carries the URL as parsed, so what is fetched later is
 * exactly what was checked.
 */
export function resolveImportSource(url: string, policy: SourcePolicy, parameter: string): ImportSource {
  // Parsed by hand: S3 keys in s3:// URLs are written unencoded (as the AWS CLI takes them), which URL would encode.
  const s3 = /^s3:\/\/([^/]*)\/?(.*)$/is.exec(url);
  if (s3) {
    const [, bucket = '', key = ''] = s3;
    if (!policy.s3Buckets.includes(bucket)) refuse(parameter, `${url}: bucket ${bucket} is not one imports may read`);
    if (key === '') invalid(parameter, `${url} names no object`);
    const problem = s3KeyProblem(key);
    if (problem) invalid(parameter, `${url}: the object key ${problem}`);
    return { kind: 's3', bucket, key };
  }
  const parsed = URL.canParse(url) ? new URL(url) : invalid(parameter, `${url} is not an absolute URL`);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    refuse(parameter, `${url}: only s3:, http: and https: inputs are supported`);
  }
  // Userinfo is how `http://allowed.example@evil.example/` passes a naive prefix check; no input needs it.
  if (parsed.username || parsed.password) refuse(parameter, `${url} must not carry a user name or password`);
  // A server may decode them after the prefix check passed: `/data/..%2Fsecret` would leave the allowed path.
  if (/%2f|%5c/i.test(parsed.pathname)) refuse(parameter, `${url} must not contain encoded slashes`);
  if (!policy.httpPrefixes.some((prefix) => isUnder(parsed, allowedPrefix(prefix)))) {
    const ip = ipLiteral(parsed.hostname);
    if (ip !== undefined && isInternalAddress(ip)) {
      refuse(parameter, `${url} is an internal address, allowed only when an allowed prefix names it`);
    }
    refuse(parameter, `${url} is not under a URL prefix imports may read`);
  }
  return { kind: 'http', url: parsed.href };
}

/**
 * Checks an http(s) input before any job reads it: its host must not resolve to an internal address (unless the
 * operator allowed that address literally), every redirect must stay in the policy (followed here, at most
 * MAX_REDIRECTS), and the final answer must be a 2xx with a size. Returns the final URL, which the worker reads
 * without following redirects. Name resolution is checked, not pinned: a host whose DNS changes between this check
 * and the read could still point the read elsewhere.
 */
export async function checkHttpSource(
  url: string,
  policy: SourcePolicy,
  io: SourceIo,
  parameter: string,
): Promise<{ url: string; size: number; etag?: string }> {
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const source = resolveImportSource(current, policy, parameter);
    if (source.kind !== 'http') refuse(parameter, `${url} redirects to ${current}, which is not an http(s) URL`);
    await checkAddresses(source.url, io, parameter);
    const response = await head(source.url, io, parameter);
    if (REDIRECTS.has(response.status)) {
      const location = response.headers.get('location');
      if (location === null) unreadable(parameter, url, `HTTP ${response.status} without a Location`);
      if (redirects === MAX_REDIRECTS) unreadable(parameter, url, `more than ${MAX_REDIRECTS} redirects`);
      if (!URL.canParse(location, source.url)) unreadable(parameter, url, `a redirect to ${location}`);
      current = new URL(location, source.url).href;
      continue;
    }
    if (!response.ok) {
      const gone = response.status === 404 || response.status === 410;
      unreadable(parameter, url, `HTTP ${response.status}`, gone ? 'not-found' : 'processing');
    }
    const length = response.headers.get('content-length');
    const size = Number(length);
    if (length === null || !/^\d+$/.test(length.trim()) || !Number.isSafeInteger(size)) {
      unreadable(parameter, url, 'its server sends no valid Content-Length');
    }
    const etag = response.headers.get('etag');
    return { url: source.url, size, ...(etag === null ? {} : { etag }) };
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** S3's limit on key length, in UTF-8 bytes. */
const MAX_S3_KEY_BYTES = 1024;

/**
 * Keys a store or a proxy in front of it could read as another object are refused: `.`, `..` and empty segments
 * (`a/../../other-bucket/x` normalised by a path-cleaning proxy would leave the allowed bucket), characters that
 * are no text, and keys longer than S3 allows.
 */
function s3KeyProblem(key: string): string | undefined {
  if (Buffer.byteLength(key) > MAX_S3_KEY_BYTES) return `is longer than ${MAX_S3_KEY_BYTES} bytes`;
  const text = textProblem(key);
  if (text) return text;
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'must not have empty, "." or ".." segments';
  }
  return undefined;
}

/**
 * GETs a small JSON document the server needs from a URL a client named (a `jwks_uri`), under the same rules as an
 * http(s) import input: an allowed prefix, no internal address, no redirect (a redirect could leave the prefix), at
 * most `maxBytes`. Problems are 400s naming `parameter`.
 */
export async function fetchAllowedJson(
  url: string,
  policy: SourcePolicy,
  io: SourceIo,
  parameter: string,
  maxBytes = 256 * 1024,
): Promise<unknown> {
  const source = resolveImportSource(url, policy, parameter);
  if (source.kind !== 'http') refuse(parameter, `${url} is not an http(s) URL`);
  await checkAddresses(source.url, io, parameter);
  let response: Response;
  try {
    response = await io.fetch(source.url, { redirect: 'manual', signal: AbortSignal.timeout(HEAD_TIMEOUT_MS) });
  } catch (error) {
    return unreadable(parameter, url, (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
  }
  if (!response.ok) unreadable(parameter, url, `HTTP ${response.status}`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    unreadable(parameter, url, `more than ${maxBytes} bytes`);
  }
  const text = await response.text();
  if (Buffer.byteLength(text) > maxBytes) unreadable(parameter, url, `more than ${maxBytes} bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return unreadable(parameter, url, 'not JSON');
  }
}

async function head(url: string, io: SourceIo, parameter: string): Promise<Response> {
  try {
    return await io.fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(HEAD_TIMEOUT_MS) });
  } catch (error) {
    // The client named a source this server cannot reach: the client's to fix, not a server error.
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return unreadable(parameter, url, cause ?? (error as Error).message);
  }
}

/** A host name is resolved and every address it has checked: one internal address is enough to refuse it. */
async function checkAddresses(url: string, io: SourceIo, parameter: string): Promise<void> {
  const { hostname } = new URL(url);
  // An IP literal passed resolveImportSource, so it is public or an operator allowed it by name.
  if (ipLiteral(hostname) !== undefined) return;
  let addresses: string[];
  try {
    addresses = await io.lookup(hostname);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) unreadable(parameter, url, `host ${hostname} could not be resolved`, 'not-found');
  const internal = addresses.find(isInternalAddress);
  if (internal !== undefined) {
    refuse(parameter, `host ${hostname} resolves to the internal address ${internal}; allow that address literally`);
  }
}

/** Loopback, private, link-local, unspecified, multicast, CGNAT, ULA and other non-public ranges. */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether `ip` is an address the server must not be sent to by a client. IPv6 forms that carry an IPv4 address
 * (mapped, compatible, NAT64, 6to4) are judged by that address. Anything that is not an IP address counts as
 * internal: refusing is the safe answer to a value that cannot be checked.
 */
export function isInternalAddress(ip: string): boolean {
  const version = isIP(ip);
  if (version === 4) return INTERNAL.check(ip, 'ipv4');
  if (version !== 6) return true;
  const address = ip.replace(/%.*$/, ''); // a zone (fe80::1%eth0) is no part of the address
  const embedded = embeddedIpv4(address);
  return INTERNAL.check(address, 'ipv6') || (embedded !== undefined && INTERNAL.check(embedded, 'ipv4'));
}

/** The IPv4 address inside an IPv6 one, for the forms that route to it. */
function embeddedIpv4(ip: string): string | undefined {
  const words = ipv6Words(ip);
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  const v4 = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join('.');
  if (zeros(0, 5) && (words[5] === 0xffff || words[5] === 0)) return v4(words[6]!, words[7]!); // mapped, compatible
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6]!, words[7]!); // NAT64
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!); // 6to4
  return undefined;
}

/** The eight 16-bit words of an IPv6 address; URL writes it without an IPv4 tail, in at most one `::`. */
function ipv6Words(ip: string): number[] {
  const [head = '', tail] = new URL(`http://[${ip}]/`).hostname.slice(1, -1).split('::');
  const words = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  if (tail === undefined) return words(head);
  const [left, right] = [words(head), words(tail)];
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The address a URL's host names literally (IPv6 without brackets), or undefined for a host name. */
function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}

function allowedPrefix(prefix: string): URL {
  const parsed = URL.canParse(prefix) ? new URL(prefix) : undefined;
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
    throw new Error(`The allowed import prefix ${prefix} is not an http(s) URL`);
  }
  return parsed;
}

/** Same scheme, host and port, and a path under the prefix's on a segment boundary (`/data` allows not `/database`). */
function isUnder(url: URL, prefix: URL): boolean {
  if (url.protocol !== prefix.protocol || url.host !== prefix.host) return false;
  const path = prefix.pathname;
  return path.endsWith('/')
    ? url.pathname.startsWith(path)
    : url.pathname === path || url.pathname.startsWith(`${path}/`);
}

function invalid(parameter: string, reason: string): never {
  throw badRequest(`${parameter}: ${reason}`, parameter);
}

/** Refused by the policy: the URL is well formed, but not one this server may read. */
function refuse(parameter: string, reason: string): never {
  throw new OperationOutcomeError(400, outcome('error', 'forbidden', `${parameter}: ${reason}`, parameter));
}

function unreadable(parameter: string, url: string, reason: string, code: IssueCode = 'processing'): never {
  const message = `${parameter}: input ${url} could not be read: ${reason}`;
  throw new OperationOutcomeError(400, outcome('error', code, message, parameter));
}
