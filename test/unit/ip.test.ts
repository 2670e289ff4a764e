import { describe, expect, it } from 'vitest';
import { contains, formatAddress, formatCidr, isBroadcastAddress, isNetworkAddress, parseAddress, parseCidr, subnetAt, usableHosts } from '../../src/topology/ip.js';

const cidr = (t: string) => {
  const r = parseCidr(t);
  if (!r.ok) throw new Error(r.reason);
  return r.cidr;
};

describe('addresses', () => {
  it('parses and formats IPv4 and IPv6 canonically', () => {
    expect(formatCidr(cidr('10.0.1.2/24'))).toBe('10.0.1.2/24');
    expect(formatCidr(cidr('fd00:0:0::0001/64'))).toBe('fd00::1/64');
  });
  it('rejects shorthand IPv4 that iproute2 users never mean', () => {
    expect(parseAddress('10.1')).toBeUndefined();
  });
  it('requires a prefix length and explains how to write one', () => {
    const r = parseCidr('10.0.0.2');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.hint).toContain('10.0.0.2/24');
  });
  it('rejects prefix lengths beyond the family', () => {
    expect(parseCidr('10.0.0.1/33').ok).toBe(false);
    expect(parseCidr('fd00::1/129').ok).toBe(false);
  });
  it('knows containment per family', () => {
    expect(contains(cidr('10.0.1.0/24'), parseAddress('10.0.1.200')!)).toBe(true);
    expect(contains(cidr('10.0.1.0/24'), parseAddress('10.0.2.1')!)).toBe(false);
    expect(contains(cidr('10.0.1.0/24'), parseAddress('::1')!)).toBe(false);
  });
  it('knows network and broadcast addresses, except on /31', () => {
    expect(isNetworkAddress(cidr('10.0.0.0/24'))).toBe(true);
    expect(isBroadcastAddress(cidr('10.0.0.255/24'))).toBe(true);
    expect(isNetworkAddress(cidr('10.0.0.0/31'))).toBe(false);
  });
  it('counts usable hosts', () => {
    expect(usableHosts(cidr('10.0.0.0/30')).count).toBe(2n);
    expect(formatAddress({ family: 4, value: usableHosts(cidr('10.0.0.0/30')).first })).toBe('10.0.0.1');
    expect(usableHosts(cidr('fd00::/126')).count).toBe(3n);
  });
  it('carves aligned sub-prefixes from a pool', () => {
    expect(formatCidr(subnetAt(cidr('10.255.0.0/24'), 30, 2n)!)).toBe('10.255.0.8/30');
    expect(subnetAt(cidr('10.255.0.0/29'), 30, 2n)).toBeUndefined();
  });
});
