import { BlockList, isIP } from 'node:net';

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
export function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}
