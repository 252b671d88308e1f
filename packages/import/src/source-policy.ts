import { badRequest, type IssueCode, OperationOutcomeError, outcome, textProblem } from '@fhir-bulk/fhir';
import type { ImportSource } from './import-job';
import { ipLiteral, isInternalAddress } from './internal-address';
import {
  InternalAddressError,
  pinnedFetch,
  publicAddresses,
  type ResolveHost,
  type SourceFetch,
  systemResolve,
} from './pinned-fetch';

/**
 * Where imports may read from (server-side request forgery protection): the server fetches what clients name, so
 * only buckets and URL prefixes the operator listed are allowed, never the server's own network by accident.
 */
export interface SourcePolicy {
  /**
   * `s3://bucket/` or `s3://bucket/some/prefix/`: an object key must lie under one of them, a whole segment at a
   * time. For imports these are a tenant's own (tenantSourcePolicy).
   */
  s3Prefixes: string[];
  /** E.g. `https://files.example/fhir/`; an internal address is allowed only as the literal host of a prefix. */
  httpPrefixes: string[];
}

/** The network a source check uses: DNS and HTTP, passed in so the checks are tested without a network. */
export interface SourceIo {
  /** Every address `host` resolves to. */
  lookup: ResolveHost;
  /** Connects only to addresses it has checked itself (pinnedFetch): the check below is for the message. */
  fetch: SourceFetch;
}

export function defaultSourceIo(): SourceIo {
  return { lookup: systemResolve, fetch: pinnedFetch(systemResolve) };
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
    const prefixes = policy.s3Prefixes.filter((prefix) => s3Prefix(prefix).bucket === bucket);
    if (prefixes.length === 0) refuse(parameter, `${url}: bucket ${bucket} is not one imports may read`);
    if (key === '') invalid(parameter, `${url} names no object`);
    const problem = s3KeyProblem(key);
    if (problem) invalid(parameter, `${url}: the object key ${problem}`);
    // Compared on the segments just validated, so `a/` never admits `ab/x` and no `..` can climb out of it.
    const segments = key.split('/');
    if (!prefixes.some((prefix) => isUnderSegments(segments, s3Prefix(prefix).segments))) {
      refuse(parameter, `${url}: the object is not under ${prefixes.join(' or ')}, where this tenant's inputs are`);
    }
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
 * without following redirects. Name resolution is pinned: `io.fetch` connects only to addresses its own lookup
 * checked at connect time (pinnedFetch), so a host whose DNS changes after this check cannot send a read inside.
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
    const response = await request(source.url, 'HEAD', io, parameter);
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
  const response = await request(source.url, 'GET', io, parameter);
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

async function request(url: string, method: 'GET' | 'HEAD', io: SourceIo, parameter: string) {
  try {
    return await io.fetch(url, { method, redirect: 'manual', signal: AbortSignal.timeout(HEAD_TIMEOUT_MS) });
  } catch (error) {
    // Refused at connect time: the name resolved to an internal address after checkAddresses saw a public one.
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof InternalAddressError) refuse(parameter, cause.message);
    // The client named a source this server cannot reach: the client's to fix, not a server error.
    return unreadable(parameter, url, (cause as { code?: string } | undefined)?.code ?? (error as Error).message);
  }
}

/**
 * A host name is resolved and every address it has checked, for a clear 400 before anything is sent; the
 * connection checks again by itself (pinnedFetch), which is what keeps a changed answer out.
 */
async function checkAddresses(url: string, io: SourceIo, parameter: string): Promise<void> {
  const { hostname } = new URL(url);
  // An IP literal passed resolveImportSource, so it is public or an operator allowed it by name.
  if (ipLiteral(hostname) !== undefined) return;
  try {
    await publicAddresses(hostname, io.lookup);
  } catch (error) {
    if (error instanceof InternalAddressError) refuse(parameter, error.message);
    unreadable(parameter, url, `host ${hostname} could not be resolved`, 'not-found');
  }
}

/** An `s3://bucket/a/b/` prefix as its bucket and key segments (`a`, `b`). */
function s3Prefix(prefix: string): { bucket: string; segments: string[] } {
  const [, bucket = '', path = ''] = /^s3:\/\/([^/]*)\/?(.*)$/s.exec(prefix) ?? [];
  return { bucket, segments: path.split('/').filter((segment) => segment !== '') };
}

/** An object (not the prefix itself) inside the prefix: its leading segments are the prefix's, whole. */
function isUnderSegments(key: string[], prefix: string[]): boolean {
  return key.length > prefix.length && prefix.every((segment, i) => key[i] === segment);
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
