/**
 * What a valid `checks:` section becomes: the name each check reports under,
 * the nodes it runs in, the address it targets, and its own impairments.
 */
import { describe, expect, it } from 'vitest';
import { labFixture } from '../helpers/fixtures.js';

const checks = () => labFixture('check-names.yaml').checks;

describe('rule: a check without a name is named after what it does, the same way every run', () => {
  it('names each kind by its nodes, target and settings; expect: fail says so', () => {
    expect(checks().map((c) => c.name)).toEqual([
      'ping a -> b',
      'ping a -> b (expect fail)',
      'reach among 3 nodes',
      'iperf a -> b',
      'mtu a -> b size discover',
      'mtu a -> b:eth0 size 1400',
      'connect a -> srv tcp/80',
      'connect a -> srv udp/53,5353 (expect fail)',
      'http a -> http://srv:8080/x',
      'route a -> 10.0.1.2',
      'path a -> srv',
      'capture on srv:eth0 while ping a -> srv',
      'capture on srv:eth0 while inner',
      'exec a: ip route',
      'exec a: true (expect fail)',
      'impaired',
    ]);
  });
});

describe('rule: a check runs in its `from`/`node`, aims at the first address of its `to`', () => {
  it('nodes and targets', () => {
    const byName = new Map(checks().map((c) => [c.name, c]));
    expect(byName.get('ping a -> b')).toMatchObject({ nodes: ['a'], target: '10.0.0.2', expect: 'pass', kind: 'ping' });
    expect(byName.get('ping a -> b (expect fail)')!.expect).toBe('fail');
    expect(byName.get('reach among 3 nodes')!.nodes).toEqual(['a', 'b', 'srv']);
    expect(byName.get('connect a -> srv tcp/80')!.target).toBe('10.0.1.2');
    expect(byName.get('exec a: ip route')!.nodes).toEqual(['a']);
    expect(byName.get('exec a: ip route')!.target).toBeUndefined();
  });

  it('a capture listens on the interface it names, in that node, around its inner check', () => {
    const c = checks().find((x) => x.name === 'capture on srv:eth0 while inner')!;
    expect(c.nodes).toEqual([]);
    expect({ ...c.capture, inner: c.capture?.inner.name }).toEqual({ node: 'srv', ns: 'names-srv', ifname: 'eth0', inner: 'inner' });
    expect(c.capture!.inner.target).toBe('10.0.1.2');
  });

  it('`within` is held in milliseconds', () => {
    expect(checks().find((x) => x.name === 'exec a: true (expect fail)')!.withinMs).toBe(2000);
    expect(checks().find((x) => x.name === 'exec a: ip route')!.withinMs).toBeUndefined();
  });

  it("a check's own netem names the interface and what to put back after it", () => {
    const c = checks().find((x) => x.name === 'impaired')!;
    expect(c.impair).toEqual([{ node: 'a', ns: 'names-a', ifname: 'eth0', spec: { delay: '50ms' }, restore: { delay: '5ms' }, loc: { file: 'check-names.yaml', line: 29, col: 64, length: 15 } }]);
  });
});
