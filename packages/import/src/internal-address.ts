import { IPv4, IPv6, isValid, parse, parseCIDR, subnetMatch } from 'ipaddr.js';
import { isIP } from 'node:net';

const cidrs = (...ranges: string[]) => ranges.map((range) => parseCIDR(range));

/**
 * The non-public ranges of IANA's special-purpose registries, named as ipaddr.js names them. Its own `range()` is
 * not used: it files the documentation networks (192.0.2.0/24, 2001:db8::/32…) with these under `reserved`, and
 * those are not refused here.
 */
const INTERNAL = {
  unspecified: cidrs('0.0.0.0/8', '::/128'),
  private: cidrs('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'),
  carrierGradeNat: cidrs('100.64.0.0/10'),
  loopback: cidrs('127.0.0.0/8', '::1/128'),
  linkLocal: cidrs('169.254.0.0/16', 'fe80::/10'),
  protocolAssignments: cidrs('192.0.0.0/24'),
  benchmarking: cidrs('198.18.0.0/15'),
  multicast: cidrs('224.0.0.0/4', 'ff00::/8'),
  reserved: cidrs('240.0.0.0/4'), // with the broadcast address
  uniqueLocal: cidrs('fc00::/7'),
  deprecatedSiteLocal: cidrs('fec0::/10'),
};
const PUBLIC = 'public';

/** An IPv6 network that routes to the IPv4 address inside its addresses, starting at byte `at`. */
const carrier = (cidr: string, at: number) => ({ network: IPv6.parseCIDR(cidr), at });
const CARRIES_IPV4 = [
  carrier('::ffff:0:0/96', 12), // IPv4-mapped
  carrier('::/96', 12), // IPv4-compatible
  carrier('64:ff9b::/96', 12), // NAT64
  carrier('2002::/16', 2), // 6to4
];

/**
 * Whether `ip` is an address the server must not be sent to by a client. IPv6 forms that carry an IPv4 address
 * (mapped, compatible, NAT64, 6to4) are judged by that address too. Anything that is not an IP address in standard
 * form counts as internal (node's isIP first: ipaddr.js also reads `127.1` or `0x7f.0.0.1`): refusing is the safe
 * answer to a value that cannot be checked. A zone (`fe80::1%eth0`) is no part of the address.
 */
export function isInternalAddress(ip: string): boolean {
  if (isIP(ip) === 0 || !isValid(ip)) return true;
  const address = parse(ip);
  const embedded = address instanceof IPv6 ? embeddedIpv4(address) : undefined;
  return [address, embedded].some((a) => a !== undefined && subnetMatch(a, INTERNAL, PUBLIC) !== PUBLIC);
}

function embeddedIpv4(address: IPv6): IPv4 | undefined {
  const carried = CARRIES_IPV4.find(({ network }) => address.match(network));
  return carried && new IPv4(address.toByteArray().slice(carried.at, carried.at + 4));
}

/** The address a URL's host names literally (IPv6 without brackets), or undefined for a host name. */
export function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}
