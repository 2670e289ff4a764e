/**
 * Offloads as a sweep dimension: the ethtool words, and reading back what
 * the kernel holds (captured `ethtool -k` of a veth, this kernel).
 */
import { describe, expect, it } from 'vitest';
import { offloadArgv, offloadMismatches, parseOffloads } from '../../src/bench/offload.js';

const ETHTOOL_K = `Features for x:
rx-checksumming: on
tx-checksumming: on
tcp-segmentation-offload: on
	tx-tcp-segmentation: on
generic-segmentation-offload: on
generic-receive-offload: off
large-receive-offload: off [fixed]
`;

describe('rule: offload on|off sets GSO, GRO and TSO together; restoring sets each as it was', () => {
  it('one state for all three', () => {
    expect(offloadArgv('eth0', 'off')).toEqual(['ethtool', '-K', 'eth0', 'gso', 'off', 'gro', 'off', 'tso', 'off']);
  });
  it('each its own, to put back what was there', () => {
    expect(offloadArgv('eth0', { gso: true, gro: false, tso: true })).toEqual(['ethtool', '-K', 'eth0', 'gso', 'on', 'gro', 'off', 'tso', 'on']);
  });
});

describe('rule: what the kernel holds is read back, feature by feature', () => {
  it('reads the three from ethtool -k (a veth: GRO off by default)', () => {
    expect(parseOffloads(ETHTOOL_K)).toEqual({ gso: true, gro: false, tso: true });
  });
  it('a missing feature line is no reading, not a guess', () => {
    expect(parseOffloads('Features for x:\ntcp-segmentation-offload: on\n')).toBeUndefined();
  });
  it('says which feature differs from what was asked', () => {
    expect(offloadMismatches('r:eth1', 'on', parseOffloads(ETHTOOL_K))).toEqual(['r:eth1: gro is off, expected on']);
    expect(offloadMismatches('r:eth1', 'off', parseOffloads(ETHTOOL_K))).toEqual(['r:eth1: gso is on, expected off', 'r:eth1: tso is on, expected off']);
    expect(offloadMismatches('r:eth1', 'on', undefined)).toEqual(['r:eth1: ethtool -k did not report gso, gro and tso']);
  });
});
