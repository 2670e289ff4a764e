/**
 * A host attachment must not put a subnet into the host that the host
 * already has: checked on this machine's captured `ip -j addr` / `ip -j route`
 * (eth0 192.0.2.2/24, loopback, fd00::/64).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostClashes } from '../../src/exec/host-clash.js';
import { loadTopology } from '../../src/topology/load.js';
import { FIXTURES, read } from '../helpers/fixtures.js';

const addrs = JSON.parse(read(join(FIXTURES, 'outputs/ip-addr-host.json')));
const routes = [...JSON.parse(read(join(FIXTURES, 'outputs/ip-route-host.json'))), ...JSON.parse(read(join(FIXTURES, 'outputs/ip-route6-host.json')))];
const lab = (ip: string) => loadTopology('l.yaml', `name: l\nnodes:\n  a: {}\n  br: { kind: bridge, subnet: ${ip.replace(/\.\d+\/(\d+)$/, '.0/$1')}, host: { ip: ${ip} } }\nlinks:\n  - endpoints: [a:eth0, br]\n`);

describe('rule: a host attachment may not clash with the host\'s own network', () => {
  it('the subnet of eth0 is refused, naming the interface and its address', () => {
    const c = hostClashes(lab('192.0.2.254/24'), addrs, routes);
    expect(c.map((x) => x.holder)).toEqual(['host interface eth0 has 192.0.2.2/24']);
  });
  it('a subnet inside the host\'s is refused too (it would win as a longer prefix)', () => {
    expect(hostClashes(lab('192.0.2.1/25'), addrs, routes)).toHaveLength(1);
  });
  it('loopback\'s 127.0.0.0/8 is the host\'s', () => {
    expect(hostClashes(lab('127.9.0.1/16'), addrs, routes)[0]!.holder).toBe('host interface lo has 127.0.0.1/8');
  });
  it('a route the host has, with no address of its own on it, is a clash', () => {
    const c = hostClashes(lab('10.44.1.1/24'), addrs, [...routes, { dst: '10.44.0.0/16', gateway: '192.0.2.9', dev: 'eth0' }]);
    expect(c.map((x) => x.holder)).toEqual(['the host routes 10.44.0.0/16 via 192.0.2.9 dev eth0']);
  });
  it('a free subnet passes; the default route is not a clash', () => {
    expect(hostClashes(lab('198.18.30.1/24'), addrs, routes)).toEqual([]);
  });
  it('the lab\'s own host interface (tagged) is not a clash with itself', () => {
    const own = { ifname: 'nslabcdef', ifalias: 'nslab:l:br', addr_info: [{ local: '198.18.30.1', prefixlen: 24 }] };
    expect(hostClashes(lab('198.18.30.1/24'), [...addrs, own], routes)).toEqual([]);
  });
});
