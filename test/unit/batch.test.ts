import { describe, expect, it } from 'vitest';
import { meansAbsent, parseBatchFailures, parseBundle, segmentsOf } from '../../src/exec/batch.js';
import { parseTaggedRules, ownedBy } from '../../src/exec/discover.js';
import type { Step } from '../../src/compile/plan.js';

describe('parsing ip -batch failures', () => {
  it('pairs each "Command failed -:N" with the messages before it', () => {
    const stderr = 'RTNETLINK answers: File exists\nCommand failed -:2\nCannot find device "x"\nCommand failed -:5\n';
    expect(parseBatchFailures(stderr)).toEqual([
      { index: 1, message: 'RTNETLINK answers: File exists' },
      { index: 4, message: 'Cannot find device "x"' },
    ]);
  });
  it('finds nothing in output without failures', () => {
    expect(parseBatchFailures('')).toEqual([]);
  });
});

describe('parsing bundles', () => {
  it('splits stderr per segment and notes segments that never ran', () => {
    const stderr = '\n@@nslab-seg ip:a\n\n@@nslab-exit 0\n\n@@nslab-seg ip:b\nError: nope\nCommand failed -:1\n\n@@nslab-exit 1\n';
    expect(parseBundle(stderr, ['ip:a', 'ip:b', 'ip:c'])).toEqual([
      { ran: true, exitCode: 0, output: '' },
      { ran: true, exitCode: 1, output: 'Error: nope\nCommand failed -:1\n' },
      { ran: false, output: '' },
    ]);
  });
  it('cuts a namespace into segments of one tool each', () => {
    const s = (tool: 'ip' | 'sysctl'): Step => ({ id: tool, ns: 'n', argv: [tool, 'x'], deps: [], why: '' });
    expect(segmentsOf([s('ip'), s('ip'), s('sysctl'), s('ip')])).toEqual([
      { tool: 'ip', from: 0, to: 2 },
      { tool: 'sysctl', from: 2, to: 3 },
      { tool: 'ip', from: 3, to: 4 },
    ]);
  });
});

describe('teardown: what counts as already gone', () => {
  it('recognises iproute2 and iptables absence messages', () => {
    expect(meansAbsent('Cannot remove namespace file "/run/netns/x": No such file or directory')).toBe(true);
    expect(meansAbsent('Cannot find device "nsl0"')).toBe(true);
    expect(meansAbsent('iptables: Bad rule (does a matching rule exist in that chain?).')).toBe(true);
    expect(meansAbsent('Device or resource busy')).toBe(false);
  });

  it('a device that went between ip finding it and the kernel deleting it is gone, not an error', () => {
    // `nslab apply` removing node c and the link a:eth1–c:eth0 deletes c's
    // namespace while a's `ip link del dev eth1` runs: the kernel takes the
    // veth pair down with c, and ip, which had resolved eth1 a moment before,
    // gets ENODEV (1 in 200 such races here; it failed an apply test under load).
    expect(meansAbsent('RTNETLINK answers: No such device')).toBe(true);
  });
});

describe('discovery from the kernel', () => {
  it('finds NAT rules by their exact comment tag', () => {
    const s = [
      '-P POSTROUTING ACCEPT',
      '-A POSTROUTING -s 10.0.0.0/24 ! -o nslab12 -m comment --comment nslab:a -j MASQUERADE',
      '-A POSTROUTING -s 10.1.0.0/24 ! -o nslab34 -m comment --comment nslab:a-b -j MASQUERADE',
    ].join('\n');
    expect(parseTaggedRules(s, 'nslab:a')).toEqual([['POSTROUTING', '-s', '10.0.0.0/24', '!', '-o', 'nslab12', '-m', 'comment', '--comment', 'nslab:a', '-j', 'MASQUERADE']]);
  });
  it('reads the quoted comments iptables-nft prints (captured from `iptables -t nat -S`)', () => {
    const s = [
      '-P POSTROUTING ACCEPT',
      '-A POSTROUTING -s 198.18.7.0/24 ! -o nslb94fd8a6 -m comment --comment "nslab:hadbg" -j MASQUERADE',
      '-A POSTROUTING -s 198.18.8.0/24 ! -o nsl00000000 -m comment --comment "nslab:hadbg2" -j MASQUERADE',
    ].join('\n');
    expect(parseTaggedRules(s, 'nslab:hadbg')).toEqual([['POSTROUTING', '-s', '198.18.7.0/24', '!', '-o', 'nslb94fd8a6', '-m', 'comment', '--comment', 'nslab:hadbg', '-j', 'MASQUERADE']]);
  });
  it('owns namespaces tagged for the lab or untagged, never another lab\'s', () => {
    expect(ownedBy('nslab:a', 'nslab:a')).toBe(true);
    expect(ownedBy(undefined, 'nslab:a')).toBe(true);
    expect(ownedBy('nslab:a-b', 'nslab:a')).toBe(false);
    expect(ownedBy('someone-else', 'nslab:a')).toBe(false);
  });
});
