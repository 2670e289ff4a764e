/**
 * Before a kernel feature is probed, the tool its probe runs must exist:
 * without `tc`, the probe of a token bucket fails the way a kernel without
 * sch_tbf does, and the user would be sent to modprobe for a missing package.
 */
import { describe, expect, it } from 'vitest';
import { probeToolsFor } from '../../src/exec/doctor.js';

describe('rule: the tools a feature probe runs are checked first', () => {
  it('a qdisc is probed with tc; links, VLANs and tunnels with ip alone; NAT with iptables', () => {
    expect(probeToolsFor(new Set(['tbf'])).sort()).toEqual(['ip', 'tc']);
    expect(probeToolsFor(new Set(['netem', 'fq_codel'])).sort()).toEqual(['ip', 'tc']);
    expect(probeToolsFor(new Set(['vxlan', 'vlan-filtering', '8021q']))).toEqual(['ip']);
    expect(probeToolsFor(new Set(['iptables'])).sort()).toEqual(['ip', 'iptables']);
  });
});
