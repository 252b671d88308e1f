import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { isInternalAddress } from './internal-address';

/** Every address `host` resolves to. */
export type ResolveHost = (host: string) => Promise<string[]>;

/** The system resolver (what the operating system would connect to), every address of a name. */
export const systemResolve: ResolveHost = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses.map((a) => a.address)),
    );
  });

/** The part of a fetch request a source read uses; redirects are never followed by the client itself. */
export interface SourceRequest {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  redirect: 'manual';
  signal?: AbortSignal;
}

/** The part of a fetch Response a source read uses (the global and undici's both fit). */
export interface SourceResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}

export type SourceFetch = (url: string, init: SourceRequest) => Promise<SourceResponse>;

/** A host name that resolves to an address the server must not be sent to. */
export class InternalAddressError extends Error {
  readonly code = 'EINTERNALADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`host ${host} resolves to the internal address ${address}; allow that address literally`);
    this.name = 'InternalAddressError';
  }
}

/**
 * The addresses of `host`, all public: one internal address is enough to refuse the name (which of its addresses
 * a connection would use is not ours to choose). No address at all is ENOTFOUND, as the system resolver says.
 */
export async function publicAddresses(host: string, resolve: ResolveHost): Promise<string[]> {
  const addresses = await resolve(host);
  if (addresses.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  const internal = addresses.find(isInternalAddress);
  if (internal !== undefined) throw new InternalAddressError(host, internal);
  return addresses;
}

/**
 * A `lookup` for net/tls connections that checks what it answers: the socket connects only to addresses that
 * were just checked, in the same step, so no DNS answer can change between the check and the connect (no
 * rebinding window). IP-literal hosts never reach it (net connects to them directly); resolveImportSource has
 * judged those against the allow-list.
 */
export function pinnedLookup(resolve: ResolveHost): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    publicAddresses(hostname, resolve).then(
      (addresses) => {
        const family = familyNumber(options.family);
        const usable: LookupAddress[] = addresses
          .map((address) => ({ address, family: isIP(address) }))
          .filter((a) => family === 0 || a.family === family);
        const first = usable[0];
        if (first === undefined) {
          const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
          callback(error, '', 0);
        } else if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** net hands the family as 4, 6, 0, 'IPv4' or 'IPv6'. */
function familyNumber(family: LookupOptions['family'] | string): number {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

/**
 * A fetch whose every connection goes through pinnedLookup: what it reads over the network comes from an address
 * that passed the internal-address check at connect time, whatever a name resolved to earlier.
 */
export function pinnedFetch(resolve: ResolveHost = systemResolve): SourceFetch {
  const dispatcher = new Agent({ connect: { lookup: pinnedLookup(resolve) } });
  return (url, init) => undiciFetch(url, { ...init, dispatcher });
}
