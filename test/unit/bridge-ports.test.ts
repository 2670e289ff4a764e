/**
 * The kernel names every bridge port and bridge device: nslab picks names
 * that say what is attached, fit in 15 bytes, and never collide.
 */
import { describe, expect, it } from 'vitest';
import { macProblem } from '../../src/topology/ports.js';
import type { BridgeNode } from '../../src/topology/model.js';
import { labFixture } from '../helpers/fixtures.js';

const lab = () => labFixture('port-names.yaml');

describe('rule: an unnamed bridge port is named after its peer, unless that is too long or taken', () => {
  it('peer-ifname; a bridge peer by bridge-link; else p<link>, then p<link>x<n>', () => {
    expect(lab().links.map((l) => l.ends.map((e) => `${e.node}:${e.ifname}`).join(' - '))).toEqual([
      'averyveryverylongname:eth0 - core:p0',
      'h:eth0 - core:p1',
      'h:eth1 - core:p2',
      'h:eth2 - core:h-eth1',
      'h:eth3 - core:h-eth3',
      'core:p5x0 - a-bridge-name-of-16:core-5',
      'h:eth4 - core:p5',
      'h:eth5 - bridge-name-15b:h-eth5',
    ]);
  });
});

describe('rule: a bridge device takes the bridge name when it fits in 15 bytes, else br0 inside its namespace', () => {
  it('15 bytes fit, 16 do not; a host attachment is its port host0', () => {
    const bridges = lab().nodes.filter((n): n is BridgeNode => n.kind === 'bridge');
    expect(bridges.map((b) => [b.name, b.device, b.host?.portIf ?? null])).toEqual([
      ['core', 'core', null],
      ['a-bridge-name-of-16', 'br0', null],
      ['bridge-name-15b', 'bridge-name-15b', 'host0'],
    ]);
  });
});

describe('a fixed MAC address is one an interface can have', () => {
  it('six hex bytes with colons, unicast, not all zero', () => {
    expect(macProblem('02:00:5e:00:00:0a')).toBeUndefined();
    expect(macProblem('02:00:5E:00:00:0A')).toBeUndefined();
    expect(macProblem('02:00:00:00:00')).toEqual({ message: '`02:00:00:00:00` is not a MAC address', hint: 'write six hex bytes with colons, e.g. `02:00:00:00:00:01`' });
    expect(macProblem('01:00:5e:00:00:01')?.message).toBe('01:00:5e:00:00:01 is a multicast MAC address; an interface needs a unicast one');
    expect(macProblem('00:00:00:00:00:00')).toEqual({ message: '00:00:00:00:00:00 is the all-zero MAC address', hint: 'e.g. `02:00:00:00:00:01`' });
  });
});
