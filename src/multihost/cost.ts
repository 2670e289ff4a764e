/**
 * What a placement costs, in tunnels between hosts, and where each link is
 * built. The rules (the splitter follows the same ones):
 *
 *   node–node link      built on both hosts; on different hosts it is cut:
 *                       one point-to-point tunnel (one VNI)
 *   node–bridge link    built on the node's host; the bridge has a copy there
 *   bridge–bridge link  built on the first bridge's host; the second has a copy there
 *   a bridge            has copies on its own host and wherever one of its
 *                       links is built; k copies are joined by one VNI:
 *                       k−1 tunnels (head-end replication)
 *
 * VXLAN links of the lab itself ride on the lab's own addresses, so they
 * cost nothing here, wherever their ends are.
 */
import type { Lab, Link } from '../topology/model.js';

export interface PlacementCost {
  /** node–node links whose ends are on different hosts */
  cutLinks: number;
  /** bridges with copies on more than one host */
  spannedBridges: number;
  /** tunnels joining the copies of those bridges (Σ copies − 1) */
  segmentTunnels: number;
  /** cutLinks + segmentTunnels */
  tunnels: number;
}

export interface SegmentIndex {
  isBridge(node: string): boolean;
  /** nodes joined to this one by a link that counts (not the lab's own VXLAN links) */
  neighbours(node: string): string[];
  /** the links of a node that count */
  linksOf(node: string): Link[];
  bridges: string[];
  p2p: Link[];
}

export function segmentIndex(lab: Lab): SegmentIndex {
  const bridges = new Set(lab.nodes.filter((n) => n.kind === 'bridge').map((n) => n.name));
  const linksOf = new Map<string, Link[]>(lab.nodes.map((n) => [n.name, []]));
  const counted = lab.links.filter((l) => !l.vxlan && l.ends[0].node !== l.ends[1].node);
  for (const l of counted) for (const e of l.ends) linksOf.get(e.node)!.push(l);
  return {
    isBridge: (n) => bridges.has(n),
    neighbours: (n) => linksOf.get(n)!.map((l) => (l.ends[0].node === n ? l.ends[1].node : l.ends[0].node)),
    linksOf: (n) => linksOf.get(n)!,
    bridges: [...bridges],
    p2p: counted.filter((l) => !bridges.has(l.ends[0].node) && !bridges.has(l.ends[1].node)),
  };
}

/** The host a link touching a bridge is built on (rules above). */
export function builtOn(seg: SegmentIndex, link: Link, hostOf: ReadonlyMap<string, string>): string {
  const [a, b] = link.ends;
  if (!seg.isBridge(a.node)) return hostOf.get(a.node)!;
  if (!seg.isBridge(b.node)) return hostOf.get(b.node)!;
  return hostOf.get(a.node)!;
}

/** The hosts a bridge has a copy on: its own first, then the others in the order its links reach them. */
export function copiesOf(seg: SegmentIndex, bridge: string, hostOf: ReadonlyMap<string, string>): string[] {
  const out = new Set([hostOf.get(bridge)!]);
  for (const l of seg.linksOf(bridge)) out.add(builtOn(seg, l, hostOf));
  return [...out];
}

const isCut = (l: Link, hostOf: ReadonlyMap<string, string>) => hostOf.get(l.ends[0].node) !== hostOf.get(l.ends[1].node);

export function costOf(seg: SegmentIndex, hostOf: ReadonlyMap<string, string>): PlacementCost {
  const cutLinks = seg.p2p.filter((l) => isCut(l, hostOf)).length;
  const spans = seg.bridges.map((b) => copiesOf(seg, b, hostOf).length - 1);
  const segmentTunnels = spans.reduce((s, k) => s + k, 0);
  return { cutLinks, spannedBridges: spans.filter((k) => k > 0).length, segmentTunnels, tunnels: cutLinks + segmentTunnels };
}

/** The part of the cost that moving `nodes` can change: their cut links and the bridges they touch. */
export function localCost(seg: SegmentIndex, hostOf: ReadonlyMap<string, string>, nodes: readonly string[]): number {
  const links = new Set<Link>();
  const bridges = new Set<string>();
  for (const n of nodes) {
    if (seg.isBridge(n)) bridges.add(n);
    for (const l of seg.linksOf(n)) {
      for (const e of l.ends) if (seg.isBridge(e.node)) bridges.add(e.node);
      if (!seg.isBridge(l.ends[0].node) && !seg.isBridge(l.ends[1].node)) links.add(l);
    }
  }
  let cost = 0;
  for (const l of links) if (isCut(l, hostOf)) cost++;
  for (const b of bridges) cost += copiesOf(seg, b, hostOf).length - 1;
  return cost;
}
