import { ipLiteral, isInternalAddress } from '../src/internal-address';

describe('isInternalAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local: the cloud metadata address'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['fd00::5', 'unique local'],
    ['fc00::1', 'unique local'],
    ['fec0::1', 'deprecated site-local'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata address, in hex'],
    ['::10.0.0.1', 'IPv4-compatible private'],
    ['64:ff9b::10.0.0.1', 'NAT64 of a private address'],
    ['2002:c0a8:0101::1', '6to4 of a private address'],
    ['localhost', 'a host name'],
    ['127.1', 'an IPv4 address in short form'],
    ['0x7f.0.0.1', 'an IPv4 address in hex'],
    ['', 'nothing'],
  ])('counts %p as internal (%s)', (ip) => {
    expect(isInternalAddress(ip)).toBe(true);
  });

  it.each([
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'just after 172.16.0.0/12'],
    ['100.128.0.1', 'just after 100.64.0.0/10'],
    ['203.0.113.5', 'documentation (TEST-NET-3), which tests use as public'],
    ['2606:4700::1111', 'public'],
    ['2001:db8::5', 'documentation, which tests use as public'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['64:ff9b::808:808', 'NAT64 of a public address'],
    ['2002:808:808::1', '6to4 of a public address'],
  ])('counts %p as public (%s)', (ip) => {
    expect(isInternalAddress(ip)).toBe(false);
  });
});

describe('ipLiteral', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['[fd00::5]', 'fd00::5'],
    ['files.example', undefined],
  ])('reads the host %p as %p', (hostname, address) => {
    expect(ipLiteral(hostname)).toBe(address);
  });
});
