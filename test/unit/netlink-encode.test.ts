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
type Request = Extract<Op, { kind: 'netlink' | 'query' }>;

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

describe('what the bytes say, beyond the captures', () => {
  const msg = (o: Op) => Buffer.from((o as Request).message);
  const flags = (o: Op) => [msg(o).readUInt32LE(16 + 8), msg(o).readUInt32LE(16 + 12)];
  it('up/down and promisc on/off set and clear their flag bits, and say which they change', () => {
    expect(flags(ip('link set dev d0 promisc on up')![0]!)).toEqual([0x101, 0x101]);
    expect(flags(ip('link set dev d0 promisc off down')![0]!)).toEqual([0, 0x101]);
    expect(flags(ip('link set dev d0 up down')![0]!)).toEqual([0, 1]);
    expect(flags(ip('link set dev d0 promisc on promisc off')![0]!)).toEqual([0, 0x100]);
  });
  it('a master\'s index is patched into its own attribute (IFLA_MASTER), wherever it falls among the others', () => {
    for (const words of ['link set dev d0 master br0', 'link set dev d0 mtu 1400 alias x master br0 up']) {
      const [op] = ip(words) as Request[];
      const at = op!.patches[1]!.offset;
      expect([msg(op!).readUInt16LE(at - 4), msg(op!).readUInt16LE(at - 2), op!.patches[1]!.name]).toEqual([8, 10, 'br0']);
    }
  });
  it('an address in 127/8 is scoped to the host, any other (and ::1) to the universe', () => {
    const scope = (words: string) => msg(ip(words)![0]!)[16 + 3];
    expect([scope('addr add 127.0.0.5/8 dev d0'), scope('addr add 10.0.0.1/8 dev d0'), scope('addr add ::1/128 dev d0'), scope('addr add 128.0.0.1/8 dev d0')]).toEqual([254, 0, 0, 0]);
  });
  it('addresses and routes need no index but the device\'s: a route none, a new bridge none', () => {
    expect(ip('route add default via 10.0.0.1')![0]).toMatchObject({ kind: 'netlink', patches: [] });
    expect(ip('link add name br1 type bridge')![0]).toMatchObject({ kind: 'netlink', patches: [] });
    expect(ip('addr add 10.0.0.1/24 dev d0')![0]).toMatchObject({ kind: 'netlink', patches: [{ offset: 20, name: 'd0' }] });
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
    'link set dev',
    'link set dev d0 promisc',
    'link set dev d0 promisc maybe',
    'link set dev d0 alias',
    'link set dev d0 mtu',
    'link set dev d0 txqueuelen -1',
    'link set dev d0 address',
    'link set dev d0 address 02:00:00:00:00',
    'link set dev d0 addrgenmode',
    'link set dev d0 master',
    'link set dev d0 qlen 5',
    'link add br0 type bridge',
    'link add name br0 type bond',
    'link add name br0 kind bridge',
    'link add name br0 type bridge extra',
    'link del dev d0',
    'link show',
    'addr add dev d0',
    'addr add 10.0.0.1/24 to d0',
    'addr add 10.0.0.1/24 dev',
    'addr add 10.0.0.1/24 dev d0 nodad extra',
    'addr add 10.0.0.1/24 dev d0 home',
    'addr add x/24 dev d0',
    'addr add 10.0.0.1/x dev d0',
    'addr add fd00::1/129 dev d0',
    'addr del 10.0.0.1/24 dev d0',
    'route add',
    'route add 10.0.0.0/24',
    'route add 10.0.0.0/24 via',
    'route add 10.0.0.0/24 gw 10.0.0.1',
    'route add 10.0.0.0/24 via 10.0.0.1 metric',
    'route add 10.0.0.0/24 via 10.0.0.1 proto static',
    'route add 10.0.0.0/24 via x',
    'route add x/24 via 10.0.0.1',
    'route add 10.0.0.0/33 via 10.0.0.1',
    'route add 10.0.0.0/x via 10.0.0.1',
    'route del 10.0.0.0/24 via 10.0.0.1',
  ])('ip %s', (words) => {
    expect(ip(words)).toBeUndefined();
  });
  it.each(['addr add 10.0.0.1/32 dev d0', 'addr add fd00::1/128 dev d0', 'route add 10.0.0.0/32 via 10.0.0.1', 'route add fd00::/128 via fd00::1', 'route add 10.0.0.0/24 via 10.0.0.1 metric 0'])('the widest prefix and the smallest metric are encoded: ip %s', (words) => {
    expect(ip(words)!.map((o) => o.kind)).toEqual(['netlink']);
  });
  it('a step of another tool than ip or sysctl, or of no tool', () => {
    expect(encodeStep(step('nft list ruleset'))).toBeUndefined();
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
  it('a value may hold an equals sign; the key is what comes before the first', () => {
    expect(encodeStep(step('sysctl -w a.b==1'))).toEqual([{ kind: 'sysctl', key: 'a.b', path: '/proc/sys/a/b', value: '=1\n' }]);
  });
  it('writes the value with a newline', () => {
    expect(encodeStep(step('sysctl -w net.ipv6.conf.all.forwarding=1'))).toEqual([
      { kind: 'sysctl', key: 'net.ipv6.conf.all.forwarding', path: '/proc/sys/net/ipv6/conf/all/forwarding', value: '1\n' },
    ]);
  });
  it.each(['sysctl net.ipv4.ip_forward', 'sysctl -w net.ipv4.ip_forward', 'sysctl -w =1', 'sysctl -w net..x=1', 'sysctl -w net.ipv4.conf.x/../y=1', 'sysctl -w a=1 b=2', 'sysctl -q a=1', 'sysctl -w .net=1', 'sysctl -w net.=1'])('leaves %s to sysctl', (line) => {
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
