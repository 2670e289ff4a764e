import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Step } from '../../src/compile/plan.js';
import { creationPlan } from '../../src/compile/create.js';
import { encodeOps, encodeStep, sysctlPath, type Op } from '../../src/netlink/encode.js';
import { failureText } from '../../src/netlink/messages.js';
import { FIXTURES, read, TOPOLOGIES, yamlFiles } from '../helpers/fixtures.js';
import { loadTopology } from '../../src/topology/load.js';

const step = (line: string, ns: string | null = 'lab-a'): Step => {
  const [tool, ...rest] = line.split(' ');
  return { id: 'x', ns, argv: [tool as Step['argv'][0], ...rest], deps: [], why: '' };
};
const ip = (line: string) => encodeStep(step(`ip ${line}`));
type Request = Extract<Op, { kind: 'netlink' }>;

/** What iproute2 6.1 sent for each form (test/fixtures/netlink/capture.sh). */
const captured = read(join(FIXTURES, 'netlink/iproute2.txt'))
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => l.split('\t') as [string, string]);

/** The bytes that differ by run: the sequence number, and each index the native side fills in. */
function normalised(bytes: Uint8Array, patches: Request['patches']): string {
  const b = Buffer.from(bytes);
  b.fill(0, 8, 12);
  for (const p of patches) b.fill(0, p.offset, p.offset + 4);
  return b.toString('hex');
}

describe('each request is the one iproute2 sends for the same words', () => {
  for (const [words, hex] of captured) {
    if (words.includes('addrgenmode none up')) continue; // sent as two requests: see below
    it(`ip ${words}`, () => {
      const ops = ip(words) as Request[];
      expect(ops).toHaveLength(1);
      expect(Buffer.from(hex, 'hex').readUInt32LE(0)).toBe(hex.length / 2); // the capture is whole
      expect(normalised(ops[0]!.message, ops[0]!.patches)).toBe(normalised(Buffer.from(hex, 'hex'), ops[0]!.patches));
    });
  }
});

describe('addrgenmode goes first, on its own, when the same step brings the link up', () => {
  it('sends the mode, then the flags and the other attributes', () => {
    const ops = ip('link set dev d0 master br0 addrgenmode none up') as Request[];
    expect(ops).toHaveLength(2);
    const alone = captured.find(([w]) => w === 'link set dev d0 addrgenmode none')![1];
    expect(normalised(ops[0]!.message, ops[0]!.patches)).toBe(normalised(Buffer.from(alone, 'hex'), ops[0]!.patches));
    const flagsAt = 16 + 8;
    expect(Buffer.from(ops[1]!.message).readUInt32LE(flagsAt)).toBe(1); // IFF_UP
    expect(ops[1]!.patches.map((p) => p.name)).toEqual(['d0', 'br0']);
  });
  it('keeps a lone mode change as one request', () => {
    expect(ip('link set dev d0 addrgenmode none')).toHaveLength(1);
  });
});

describe('what is not encoded takes the ip path', () => {
  it.each([
    'link set dev d0 type bridge_slave hairpin on',
    'link set dev d0 addrgenmode eui64',
    'link set dev d0 mtu big',
    'link set d0 up',
    'link add name br0 type bridge stp_state 1',
    'link add name v0 type vxlan id 5',
    'addr add 10.0.0.1/33 dev d0',
    'addr add 10.0.0.1 dev d0',
    'addr add 10.0.0.1/24 dev d0 brd +',
    'route add 10.0.0.0/24 dev d0',
    'route add fd00::/64 via 10.0.0.1',
    'route add 10.0.0.0/24 via 10.0.0.1 metric x',
    'neigh add 10.0.0.1 lladdr 02:00:00:00:00:01 dev d0',
  ])('ip %s', (words) => {
    expect(ip(words)).toBeUndefined();
  });
  it('host steps, tc, bridge and a user\'s commands', () => {
    expect(encodeStep(step('ip link set dev d0 up', null))).toBeUndefined();
    expect(encodeStep(step('tc qdisc add dev d0 root handle 1: tbf rate 1mbit burst 32kb latency 400ms'))).toBeUndefined();
    expect(encodeStep(step('bridge vlan add dev d0 vid 10'))).toBeUndefined();
    expect(encodeStep({ ...step('ip netns exec lab-a sh -c true'), command: { cwd: '/', env: {}, timeoutMs: 1, needs: [] } })).toBeUndefined();
  });
  it('every namespace step of the benchmark labs is encoded', () => {
    const star = loadTopology('topologies/star1000.yaml', read('topologies/star1000.yaml'));
    const inNs = creationPlan(star).steps.filter((s) => s.ns !== null);
    expect(inNs.filter((s) => !encodeStep(s)).map((s) => s.argv.join(' '))).toEqual([]);
  });
  it('in the example labs, only tc, bridge vlans, VLAN and VXLAN links, bridges with options and moves between namespaces take it', () => {
    const shapes = new Set<string>();
    for (const file of yamlFiles(TOPOLOGIES)) {
      const lab = loadTopology(file, read(file));
      for (const s of creationPlan(lab).steps) {
        if (s.ns === null || encodeStep(s)) continue;
        const [tool, object, verb] = s.argv;
        const what = tool === 'ip' && verb === 'add' ? `type ${s.argv[s.argv.indexOf('type') + 1]}` : tool === 'ip' && s.argv.includes('netns') ? 'netns' : '';
        shapes.add(`${tool} ${object} ${verb} ${what}`.trim());
      }
    }
    // a bridge takes it only with options (ip link add name br0 mtu 9000 type bridge vlan_filtering 1)
    expect([...shapes].sort()).toEqual(['bridge vlan add', 'bridge vlan del', 'ip link add type bridge', 'ip link add type vlan', 'ip link add type vxlan', 'ip link set netns', 'tc qdisc add']);
  });
});

describe('sysctl steps are writes under /proc/sys, as sysctl(8) makes them', () => {
  it('a key becomes a path; a slash in a key stands for a dot in a name', () => {
    expect(sysctlPath('net.ipv4.ip_forward')).toBe('/proc/sys/net/ipv4/ip_forward');
    expect(sysctlPath('net.ipv4.conf.eth0/100.forwarding')).toBe('/proc/sys/net/ipv4/conf/eth0.100/forwarding');
  });
  it('writes the value with a newline', () => {
    expect(encodeStep(step('sysctl -w net.ipv6.conf.all.forwarding=1'))).toEqual([
      { kind: 'sysctl', key: 'net.ipv6.conf.all.forwarding', path: '/proc/sys/net/ipv6/conf/all/forwarding', value: '1\n' },
    ]);
  });
  it.each(['sysctl net.ipv4.ip_forward', 'sysctl -w net.ipv4.ip_forward', 'sysctl -w =1', 'sysctl -w net..x=1', 'sysctl -w net.ipv4.conf.x/../y=1'])('leaves %s to sysctl', (line) => {
    expect(encodeStep(step(line))).toBeUndefined();
  });
});

describe('the records native/netns.c reads', () => {
  it('a request: kind 1, length, patches (offset, name padded to 4), then the message', () => {
    const op: Op = { kind: 'netlink', message: Buffer.from('1400000010000500000000000000000000000000', 'hex'), patches: [{ offset: 20, name: 'eth0' }] };
    const b = encodeOps([op]);
    expect(b.readUInt32LE(0)).toBe(1);
    expect(b.readUInt32LE(4)).toBe(4 + 4 + 4 + 4 + 20);
    expect(b.readUInt32LE(8)).toBe(1); // one patch
    expect(b.readUInt32LE(12)).toBe(20);
    expect(b.readUInt32LE(16)).toBe(4);
    expect(b.subarray(20, 24).toString()).toBe('eth0');
    expect(b.subarray(24).toString('hex')).toBe('1400000010000500000000000000000000000000');
  });
  it('a sysctl write: kind 2, length, path padded to 4, then the value; records padded to 4', () => {
    const b = encodeOps([{ kind: 'sysctl', key: 'a.b', path: '/proc/sys/a/b', value: '1\n' }, { kind: 'sysctl', key: 'c', path: '/c', value: '0\n' }]);
    expect(b.readUInt32LE(0)).toBe(2);
    expect(b.readUInt32LE(4)).toBe(4 + 16 + 2);
    expect(b.readUInt32LE(8)).toBe(13);
    expect(b.subarray(12, 25).toString()).toBe('/proc/sys/a/b');
    expect(b.subarray(28, 30).toString()).toBe('1\n');
    expect(b.readUInt32LE(32)).toBe(2); // the next record starts on a 4-byte boundary
  });
});

describe('a failed operation says what ip or sysctl would say', () => {
  const req = ip('addr add 10.0.0.1/24 dev d0')![0]!;
  const sysctl = encodeStep(step('sysctl -w net.ipv4.nope=1'))![0]!;
  it('the kernel\'s answer, in the words the executor reads as "already there"', () => {
    expect(failureText(req, [17, 'File exists', ''])).toBe('RTNETLINK answers: File exists');
    expect(failureText(req, [22, 'Invalid argument', 'Nexthop has invalid gateway'])).toBe('Error: Nexthop has invalid gateway.\nRTNETLINK answers: Invalid argument');
  });
  it('a name that is not there, as ip says it before sending anything', () => {
    expect(failureText(req, [19, 'No such device', 'Cannot find device "d0"'])).toBe('Cannot find device "d0"');
  });
  it('a key that does not exist, and a value the kernel refuses', () => {
    expect(failureText(sysctl, [2, 'No such file or directory', 'open'])).toBe('sysctl: cannot stat /proc/sys/net/ipv4/nope: No such file or directory');
    expect(failureText(sysctl, [22, 'Invalid argument', 'write'])).toBe('sysctl: setting key "net.ipv4.nope": Invalid argument');
  });
});
