/**
 * The placement's arithmetic, rule by rule: what a placement costs in
 * tunnels (cost.ts) and how refinement moves single nodes (place.ts), on
 * hand-made placements whose answers are worked out in the comments.
 */
import { describe, expect, it } from 'vitest';
import { builtOn, copiesOf, costOf, localCost, segmentIndex } from '../../src/multihost/cost.js';
import { CROSS_HOST_VNI_BASE, parseHostsFile } from '../../src/multihost/hosts-file.js';
import { placementOf, refine } from '../../src/multihost/place.js';
import { splitLab, VNI_BLOCK } from '../../src/multihost/split.js';
import { loadTopology } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { labFixture } from '../helpers/fixtures.js';

const hosts = (spec: string) => new Map(spec.split(' ').map((kv) => kv.split(':') as [string, string]));
const linkOf = (lab: Lab, a: string, b: string) => lab.links.find((l) => !l.vxlan && l.ends[0].node === a && l.ends[1].node === b)!;

describe('cost rule: a node–node link is cut when its ends are on different hosts; loops and the lab\'s VXLAN links never count', () => {
  it('indexes the links that count: neighbours and links of each node, the node–node links apart', () => {
    const lab = labFixture('placement-cost.yaml');
    const seg = segmentIndex(lab);
    expect(seg.bridges).toEqual(['s1', 's2']);
    expect([seg.isBridge('s1'), seg.isBridge('a')]).toEqual([true, false]);
    expect(seg.p2p.map((l) => `${l.ends[0].node}-${l.ends[1].node}`)).toEqual(['a-b', 'b-c']);
    expect(seg.neighbours('b')).toEqual(['a', 'c']);
    expect(seg.neighbours('s1')).toEqual(['c', 'd', 's2']);
    expect(seg.neighbours('d')).toEqual(['s1', 's2']);
    expect(seg.linksOf('c').map((l) => `${l.ends[0].node}-${l.ends[1].node}`)).toEqual(['b-c', 'c-s1']);
  });

  it('on one host nothing is cut and no bridge is spread', () => {
    const seg = segmentIndex(labFixture('placement-cost.yaml'));
    expect(costOf(seg, hosts('a:ha b:ha c:ha d:ha s1:ha s2:ha'))).toEqual({ cutLinks: 0, spannedBridges: 0, segmentTunnels: 0, tunnels: 0 });
  });

  it('counts a cut link once, and not the VXLAN link beside it', () => {
    const seg = segmentIndex(labFixture('placement-cost.yaml'));
    // a–b cut (and a–b's VXLAN link, free); every bridge link built on ha
    expect(costOf(seg, hosts('a:hb b:ha c:ha d:ha s1:ha s2:ha'))).toEqual({ cutLinks: 1, spannedBridges: 0, segmentTunnels: 0, tunnels: 1 });
  });
});

describe('cost rule: a bridge has a copy on its host and wherever its links are built; k copies cost k−1 tunnels', () => {
  const lab = () => labFixture('placement-cost.yaml');
  // a:ha b:hb c:hb d:ha s1:ha s2:hb —
  //   a–b cut, b–c not: 1 cut link
  //   s1: own ha; c–s1 built on c's hb; d–s1 on ha; s1–s2 on s1's ha → [ha, hb]: 1 tunnel
  //   s2: own hb; s1–s2 on ha; s2–d on d's ha → [hb, ha]: 1 tunnel
  const split = hosts('a:ha b:hb c:hb d:ha s1:ha s2:hb');

  it('builds a node–bridge link on the node\'s host, whichever end is written first, and a bridge–bridge link on the first bridge\'s', () => {
    const l = lab();
    const seg = segmentIndex(l);
    expect(builtOn(seg, linkOf(l, 'c', 's1'), split)).toBe('hb');
    expect(builtOn(seg, linkOf(l, 's2', 'd'), split)).toBe('ha');
    expect(builtOn(seg, linkOf(l, 's1', 's2'), split)).toBe('ha');
    expect(builtOn(seg, linkOf(l, 's1', 's2'), hosts('a:ha b:hb c:hb d:ha s1:hc s2:hb'))).toBe('hc');
  });

  it('lists a bridge\'s copies, its own host first', () => {
    const seg = segmentIndex(lab());
    expect(copiesOf(seg, 's1', split)).toEqual(['ha', 'hb']);
    expect(copiesOf(seg, 's2', split)).toEqual(['hb', 'ha']);
    expect(copiesOf(seg, 's1', hosts('a:ha b:ha c:hc d:hb s1:ha s2:hb'))).toEqual(['ha', 'hc', 'hb']);
  });

  it('adds cut links and the tunnels of every spread bridge', () => {
    const seg = segmentIndex(lab());
    expect(costOf(seg, split)).toEqual({ cutLinks: 1, spannedBridges: 2, segmentTunnels: 2, tunnels: 3 });
    // s1 over three hosts (2 tunnels), s2 over two (1), a–b and b–c cut
    expect(costOf(seg, hosts('a:ha b:hb c:hc d:hb s1:ha s2:hb'))).toEqual({ cutLinks: 2, spannedBridges: 2, segmentTunnels: 3, tunnels: 5 });
  });

  it('a move\'s local cost counts only the cut links and bridges the moved nodes touch', () => {
    const seg = segmentIndex(lab());
    expect(localCost(seg, split, ['b'])).toBe(1); // a–b cut; b–c not
    expect(localCost(seg, split, ['c'])).toBe(1); // b–c not cut; s1 spread over 2
    expect(localCost(seg, split, ['s1'])).toBe(2); // s1 and s2 each over 2
    expect(localCost(seg, split, ['a', 'd'])).toBe(3); // a–b, s1, s2
    expect(localCost(seg, hosts('a:ha b:ha c:ha d:ha s1:ha s2:ha'), ['s1', 'd'])).toBe(0);
  });
});

describe('refinement: a node moves to a neighbour\'s host while that lowers the tunnels and the host has room', () => {
  const chain = (n: number) =>
    loadTopology('chain.yaml', `name: chain\nnodes:\n  "r{1..${n}}": {}\nlinks:\n${Array.from({ length: n - 1 }, (_, i) => `  - endpoints: [r${i + 1}:right, r${i + 2}:left]`).join('\n')}\n`);
  const run = (lab: Lab, placed: string, capacity: string, pinned: string[] = [], groups = new Map<string, string[]>()) => {
    const hostOf = hosts(placed);
    const load = new Map<string, number>();
    for (const h of hostOf.values()) load.set(h, (load.get(h) ?? 0) + 1);
    const cap = new Map([...hosts(capacity)].map(([h, c]) => [h, Number(c)]));
    for (const h of cap.keys()) if (!load.has(h)) load.set(h, 0);
    refine(lab, segmentIndex(lab), hostOf, cap, load, new Set(pinned), groups);
    return { hostOf: Object.fromEntries(hostOf), load: Object.fromEntries(load), cost: costOf(segmentIndex(lab), hostOf).tunnels };
  };

  it('untangles an alternating chain as far as the hosts\' room allows, in passes, and keeps the loads', () => {
    // pass 1: r1 → hb (cut r1–r2 gone, hb 3 ≤ 3); r2 stays (0 gain); r3 cannot (hb full); r4 → ha
    // pass 2: no move gains → r1 r2 on hb, r3 r4 on ha: one cut instead of three
    expect(run(chain(4), 'r1:ha r2:hb r3:ha r4:hb', 'ha:3 hb:3')).toEqual({ hostOf: { r1: 'hb', r2: 'hb', r3: 'ha', r4: 'ha' }, load: { ha: 2, hb: 2 }, cost: 1 });
  });

  it('goes on in passes while a move gains: one node\'s move can make another\'s worth it', () => {
    const lab = loadTopology('p.yaml', `name: p\nnodes: { a: {}, b: {}, c: {}, d: {}, e: {}, f: {}, g: {}, h: {} }\nlinks:\n${['a-b', 'a-c', 'a-d', 'b-e', 'b-f', 'c-g', 'c-h'].map((l, i) => `  - endpoints: [${l.split('-').map((n) => `${n}:e${i}`).join(', ')}]`).join('\n')}\n`);
    // pass 1: a gains nothing (hb or hc: 2 cuts either way); b → hc (3 cuts → 1); c, d stay
    // pass 2: now a → hc gains (2 → 1), then d follows a: nothing is cut
    expect(run(lab, 'a:ha b:hb c:hc d:ha e:hc f:hc g:hc h:hc', 'ha:8 hb:8 hc:8').cost).toBe(0);
  });

  it('never fills a host past its capacity', () => {
    expect(run(chain(4), 'r1:ha r2:hb r3:ha r4:hb', 'ha:2 hb:2')).toEqual({ hostOf: { r1: 'ha', r2: 'hb', r3: 'ha', r4: 'hb' }, load: { ha: 2, hb: 2 }, cost: 3 });
  });

  it('moves a node to the host that gains most', () => {
    const lab = loadTopology('s.yaml', 'name: s\nnodes: { c: {}, x1: {}, x2: {}, y: {} }\nlinks:\n  - endpoints: [c:e0, y:e0]\n  - endpoints: [c:e1, x1:e0]\n  - endpoints: [c:e2, x2:e0]\n');
    // c on ha, linked to y on hc (listed first) and x1, x2 on hb: to hb saves 2, to hc 1
    expect(run(lab, 'c:ha y:hc x1:hb x2:hb', 'ha:4 hb:4 hc:4').hostOf.c).toBe('hb');
  });

  it('leaves pinned nodes where they are, and moves a co-located group whole, by its first member', () => {
    expect(run(chain(4), 'r1:ha r2:hb r3:ha r4:hb', 'ha:3 hb:3', ['r1', 'r4']).hostOf).toEqual({ r1: 'ha', r2: 'ha', r3: 'ha', r4: 'hb' });
    const g = ['r3', 'r4'];
    // r2 gains nothing by moving; r3 takes r4 along to hb, and the one cut (r2–r3) is gone
    const grouped = run(chain(4), 'r1:hb r2:hb r3:ha r4:ha', 'ha:4 hb:4', [], new Map([['r3', g], ['r4', g]]));
    expect(grouped.hostOf).toEqual({ r1: 'hb', r2: 'hb', r3: 'hb', r4: 'hb' });
    expect(grouped.load).toEqual({ ha: 0, hb: 4 });
  });
});

describe('split rule: each host builds its nodes, the links built on it, copies of the bridges it touches, and its tunnel ends', () => {
  const spec = () => {
    const { spec: s } = parseHostsFile('h.yaml', 'hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\n');
    return s!;
  };
  // b–c cut; s1 (own ha) and s2 (own hb) each with a copy on the other host; the VXLAN link a–b on ha
  const placed = 'a:ha b:ha c:hb d:ha s1:ha s2:hb';
  const splitOf = (lab = labFixture('placement-cost.yaml'), where = placed) => splitLab(lab, spec(), placementOf(lab, spec(), hosts(where)));
  const names = (l: Lab) => ({
    nodes: l.nodes.map((n) => n.name),
    links: l.links.map((k) => `${k.ends[0].node}-${k.ends[1].node}${k.vxlan ? ' vxlan' : ''}`),
    ends: (l.crossHost ?? []).map((t) => `${t.end.node}:${t.end.ifname} ${t.local}→${t.remotes.join(',')} mtu ${t.end.mtu}`),
  });

  it('one VNI per cut link, then per spread bridge, numbered on from the lab\'s block', () => {
    const { split } = splitOf();
    const first = split!.tunnels[0]!.vni;
    expect(split!.tunnels.map((t) => ({ ...t, vni: t.vni - first }))).toEqual([
      { vni: 0, kind: 'link', what: 'b:e1 <-> c:e0', hosts: ['ha', 'hb'] },
      { vni: 1, kind: 'segment', what: 's1', hosts: ['ha', 'hb'] },
      { vni: 2, kind: 'segment', what: 's2', hosts: ['hb', 'ha'] },
    ]);
    // a block of 4096 VNIs from the hosts file's base, chosen by the lab's name
    expect((first - CROSS_HOST_VNI_BASE) % VNI_BLOCK).toBe(0);
    expect(first).toBeLessThan(CROSS_HOST_VNI_BASE + 2048 * VNI_BLOCK);
    // all on one host: no tunnel, and the other host builds nothing
    const one = splitOf(undefined, 'a:ha b:ha c:ha d:ha s1:ha s2:ha').split!;
    expect(one.tunnels).toEqual([]);
    expect(names(one.parts.get('hb')!)).toEqual({ nodes: [], links: [], ends: [] });
  });

  it('gives each host its part: a bridge\'s copy where its links are built, a loop where its node is, the lab\'s VXLAN link with its first end', () => {
    const { split } = splitOf();
    expect(names(split!.parts.get('ha')!)).toEqual({
      nodes: ['a', 'b', 'd', 's1', 's2'],
      links: ['a-b', 'd-s1', 's1-s2', 's2-d', 'a-b vxlan'],
      // a cut link's end carries 1500 unless the link says; a bridge's, the largest frame of its ports (d–s1: 9000)
      ends: ['b:e1 192.0.2.10→192.0.2.11 mtu 1500', 's1:vxh0 192.0.2.10→192.0.2.11 mtu 9000', 's2:vxh0 192.0.2.10→192.0.2.11 mtu 1500'],
    });
    expect(names(split!.parts.get('hb')!)).toEqual({
      nodes: ['c', 's1', 's2'],
      links: ['c-s1', 'c-c'],
      ends: ['c:e0 192.0.2.11→192.0.2.10 mtu 1500', 's1:vxh0 192.0.2.11→192.0.2.10 mtu 9000', 's2:vxh0 192.0.2.11→192.0.2.10 mtu 1500'],
    });
  });

  it('takes a placement decided elsewhere as it is: each host\'s nodes in the lab\'s order, its cost; no capacities or pins of its own', () => {
    const lab = labFixture('placement-cost.yaml');
    const p = placementOf(lab, spec(), hosts(placed));
    expect([...p.byHost]).toEqual([['ha', ['a', 'b', 'd', 's1']], ['hb', ['c', 's2']]]);
    expect([p.capacity.size, p.pinned.size, p.cost.tunnels]).toEqual([0, 0, 3]);
    expect(p.hostOf).not.toBe(hosts(placed)); // a copy
  });

  it('leaves checks, scenarios, the bench and warnings to the whole lab', () => {
    for (const part of splitOf().split!.parts.values()) expect([part.checks, part.scenarios, part.bench, part.warnings]).toEqual([[], [], undefined, []]);
  });

  it('names a spread bridge\'s tunnel port vxh0, or the next number its own ports leave free', () => {
    const text = 'name: ports\nnodes: { a: {}, b: {}, sw: { kind: bridge } }\nlinks:\n  - endpoints: [a:e0, sw:vxh0]\n  - endpoints: [b:e0, sw:vxh1]\n';
    const { split } = splitOf(loadTopology('p.yaml', text), 'a:ha b:hb sw:ha');
    expect(split!.parts.get('ha')!.crossHost!.map((t) => t.end.ifname)).toEqual(['vxh2']);
  });

  it('refuses a placement that needs more tunnels than a lab\'s block of 4096 VNIs', () => {
    const alternating = (n: number) => Array.from({ length: n }, (_, i) => `r${i + 1}:${i % 2 ? 'hb' : 'ha'}`).join(' ');
    const chain = (n: number) => loadTopology('c.yaml', `name: long\nnodes:\n  "r{1..${n}}": {}\nlinks:\n  - endpoints: ["r{1..${n - 1}}:r", "r{2..${n}}:l"]\n`);
    expect(splitOf(chain(4097), alternating(4097)).split!.tunnels).toHaveLength(4096);
    const { split, diagnostics } = splitOf(chain(4098), alternating(4098));
    expect(split).toBeUndefined();
    expect(diagnostics.map((d) => [d.loc.line, d.message, d.hint])).toEqual([[2, 'this placement needs 4097 tunnels between hosts; a lab may have at most 4096', 'pin tightly linked nodes together (`place:`), or use fewer hosts']]);
  });
});
