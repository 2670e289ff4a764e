/**
 * A lab spread over hosts: one part per host, each a Lab the single-host
 * engine builds as it is, plus the tunnels that join the parts. Every name,
 * VNI and address is decided here, once, for all hosts (cost.ts has the
 * rules of where each link is built).
 *
 * A part keeps the lab's name: its namespaces, tags and state are those of
 * the lab, so `down` on each host is the same sweep as on one machine.
 * Checks, scenarios and the bench stay with the whole lab: they run where
 * their `from` node lives.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { BridgeNode, CrossHostTunnel, End, Lab, LabNode, Link } from '../topology/model.js';
import { builtOn, copiesOf, segmentIndex, type SegmentIndex } from './cost.js';
import type { HostsSpec } from './hosts-file.js';
import type { Placement } from './place.js';

export interface LabSplit {
  /** host → the part of the lab it builds */
  parts: Map<string, Lab>;
  /** every tunnel between hosts, once (each part holds its own end) */
  tunnels: TunnelSummary[];
}

export interface TunnelSummary {
  vni: number;
  kind: 'link' | 'segment';
  /** `a:eth1 <-> b:eth0`, or the bridge's name */
  what: string;
  hosts: string[];
}

/** Tunnels a lab may have; each lab's VNIs are a block of this size at an offset from its name. */
export const VNI_BLOCK = 4096;
const VNI_BLOCKS = 2048;
/** The Ethernet MTU a tunnel carries unless the lab sets another. */
const DEFAULT_MTU = 1500;

export function splitLab(lab: Lab, spec: HostsSpec, placement: Placement): { split?: LabSplit; diagnostics: Diagnostic[] } {
  const seg = segmentIndex(lab);
  const { hostOf } = placement;
  const underlay = new Map(spec.hosts.map((h) => [h.name, h.underlay]));
  const cut = seg.p2p.filter((l) => hostOf.get(l.ends[0].node) !== hostOf.get(l.ends[1].node));
  const spanned = seg.bridges.map((b) => ({ bridge: b, copies: copiesOf(seg, b, hostOf) })).filter((s) => s.copies.length > 1);
  if (cut.length + spanned.length > VNI_BLOCK) {
    return { diagnostics: [{ loc: spec.hosts[0]!.loc, message: `this placement needs ${cut.length + spanned.length} tunnels between hosts; a lab may have at most ${VNI_BLOCK}`, hint: 'pin tightly linked nodes together (`place:`), or use fewer hosts' }] };
  }
  let next = spec.vniBase + (nameHash(lab.name) % VNI_BLOCKS) * VNI_BLOCK;
  const tunnelsOn = new Map(spec.hosts.map((h) => [h.name, [] as CrossHostTunnel[]]));
  const tunnels: TunnelSummary[] = [];
  for (const link of cut) {
    const vni = next++;
    const hosts = link.ends.map((e) => hostOf.get(e.node)!);
    link.ends.forEach((end, j) => {
      const here = hosts[j]!;
      const there = hosts[1 - j]!;
      tunnelsOn.get(here)!.push({ vni, port: spec.port, local: underlay.get(here)!, remotes: [underlay.get(there)!], end: { ...end, mtu: end.mtu ?? DEFAULT_MTU }, loc: link.loc });
    });
    tunnels.push({ vni, kind: 'link', what: `${link.ends[0].node}:${link.ends[0].ifname} <-> ${link.ends[1].node}:${link.ends[1].ifname}`, hosts });
  }
  for (const { bridge, copies } of spanned) {
    const vni = next++;
    const node = lab.nodes.find((n) => n.name === bridge) as BridgeNode;
    const end: End = { node: bridge, kind: 'bridge', ifname: segmentIfname(seg, bridge), addresses: [], mtu: segmentMtu(seg, node), loc: node.loc };
    for (const here of copies) {
      tunnelsOn.get(here)!.push({ vni, port: spec.port, local: underlay.get(here)!, remotes: copies.filter((h) => h !== here).map((h) => underlay.get(h)!), end, loc: node.loc });
    }
    tunnels.push({ vni, kind: 'segment', what: bridge, hosts: copies });
  }
  const parts = new Map(spec.hosts.map((h) => [h.name, partOf(lab, seg, placement, h.name, tunnelsOn.get(h.name)!)]));
  return { split: { parts, tunnels }, diagnostics: [] };
}

/** What one host builds: its nodes, copies of the bridges it touches, the links built on it, its tunnel ends. */
function partOf(lab: Lab, seg: SegmentIndex, placement: Placement, host: string, crossHost: CrossHostTunnel[]): Lab {
  const { hostOf } = placement;
  const here = (n: string) => hostOf.get(n) === host;
  const bridgeCopies = new Set(seg.bridges.filter((b) => copiesOf(seg, b, hostOf).includes(host)));
  const nodes: LabNode[] = lab.nodes.flatMap((n): LabNode[] => {
    if (n.kind === 'netns') return here(n.name) ? [n] : [];
    if (!bridgeCopies.has(n.name)) return [];
    // A copy on another host than the bridge's own has no host attachment: the lab's gateway, NAT and published ports are on one host.
    if (here(n.name)) return [n];
    const { host: _attachment, ...copy } = n;
    return [copy];
  });
  const links = lab.links.filter((l) => linkBuiltOn(seg, l, hostOf) === host);
  return { ...lab, nodes, links, checks: [], scenarios: [], bench: undefined, crossHost, warnings: [] };
}

/** The host a link is built on; undefined when it is cut (then each host builds its own tunnel end). */
function linkBuiltOn(seg: SegmentIndex, l: Link, hostOf: ReadonlyMap<string, string>): string | undefined {
  if (l.vxlan) return hostOf.get(l.vxlan.tunnel[0].node); // co-located by the placer
  const [a, b] = l.ends.map((e) => e.node);
  if (seg.isBridge(a!) || seg.isBridge(b!)) return builtOn(seg, l, hostOf);
  return hostOf.get(a!) === hostOf.get(b!) ? hostOf.get(a!) : undefined;
}

/** The tunnel port of a spread bridge: `vxh0`, or the next number its own ports leave free. */
function segmentIfname(seg: SegmentIndex, bridge: string): string {
  const taken = new Set(seg.linksOf(bridge).flatMap((l) => l.ends.filter((e) => e.node === bridge).map((e) => e.ifname)));
  let i = 0;
  while (taken.has(`vxh${i}`)) i++;
  return `vxh${i}`;
}

/** A segment tunnel carries the largest frame any port of the bridge can send. */
function segmentMtu(seg: SegmentIndex, node: BridgeNode): number {
  const mtus = seg.linksOf(node.name).flatMap((l) => l.ends.map((e) => e.mtu ?? DEFAULT_MTU));
  return Math.max(node.mtu ?? 0, ...mtus);
}

/** FNV-1a: a lab's VNI block, the same on every host, different for most pairs of labs. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}
