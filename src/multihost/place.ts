/**
 * Placement: which host each node of a lab runs on. Pure and deterministic
 * (a fixed seed): every run, and every host, computes the same answer.
 *
 *   1. pins from the hosts file first;
 *   2. communities of tightly linked nodes (Louvain, seeded), packed by
 *      size onto the hosts by their remaining capacity (weights), a
 *      community too big for any host split in breadth-first order so its
 *      pieces stay connected;
 *   3. refinement: single nodes move to a neighbour's host while that
 *      lowers the number of tunnels and the host has room.
 *
 * What a placement costs is counted in tunnels (cost.ts): one per cut
 * point-to-point link, and k−1 for a bridge segment spread over k hosts.
 */
import { UndirectedGraph } from 'graphology';
import louvainModule from 'graphology-communities-louvain';
import type { Diagnostic } from '../diagnostics.js';
import type { Lab } from '../topology/model.js';
import { expandRange } from '../topology/ranges.js';
import { mulberry32 } from '../util/prng.js';
import { didYouMean } from '../util/suggest.js';
import { costOf, localCost, segmentIndex, type PlacementCost, type SegmentIndex } from './cost.js';
import type { HostsSpec } from './hosts-file.js';

export interface Placement {
  /** node → host */
  hostOf: Map<string, string>;
  /** host → its nodes, in the lab's order */
  byHost: Map<string, string[]>;
  /** the most nodes each host may take (its weight's share, rounded up; more when pins demand it) */
  capacity: Map<string, number>;
  pinned: Set<string>;
  cost: PlacementCost;
}

// The package is CommonJS (`module.exports = fn`) with an ES-style `export default` in its types.
const louvain = louvainModule as unknown as typeof louvainModule.default;

/** Louvain's seed: any fixed number; changing it changes placements (and golden plans). */
const SEED = 0x6e736c62;

export function placeLab(lab: Lab, spec: HostsSpec): { placement?: Placement; diagnostics: Diagnostic[] } {
  const { pins, diagnostics } = resolvePins(lab, spec);
  const groups = colocated(lab, pins, diagnostics);
  if (diagnostics.length) return { diagnostics };
  const capacity = capacities(lab, spec, pins);
  const hostOf = new Map(pins);
  const load = new Map(spec.hosts.map((h) => [h.name, 0]));
  for (const host of pins.values()) load.set(host, load.get(host)! + 1);
  const graph = linkGraph(lab);
  // A node goes with its co-located group, to the group's pinned host if it has one.
  const place = (node: string, host: string) => {
    const group = groups.get(node) ?? [node];
    const target = group.map((n) => pins.get(n)).find((h) => h !== undefined) ?? host;
    for (const n of group) {
      if (hostOf.has(n)) continue;
      hostOf.set(n, target);
      load.set(target, load.get(target)! + 1);
    }
  };
  for (const community of communities(graph)) packCommunity(community, graph, spec, capacity, load, hostOf, place);
  const seg = segmentIndex(lab);
  refine(lab, seg, hostOf, capacity, load, new Set(pins.keys()), groups);
  const byHost = new Map(spec.hosts.map((h) => [h.name, [] as string[]]));
  for (const n of lab.nodes) byHost.get(hostOf.get(n.name)!)!.push(n.name);
  return { placement: { hostOf, byHost, capacity, pinned: new Set(pins.keys()), cost: costOf(seg, hostOf) }, diagnostics: [] };
}

/** A placement decided elsewhere (the coordinator's, sent to a host), as the splitter takes it. */
export function placementOf(lab: Lab, spec: HostsSpec, hostOf: ReadonlyMap<string, string>): Placement {
  const byHost = new Map(spec.hosts.map((h) => [h.name, lab.nodes.filter((n) => hostOf.get(n.name) === h.name).map((n) => n.name)]));
  return { hostOf: new Map(hostOf), byHost, capacity: new Map(), pinned: new Set(), cost: costOf(segmentIndex(lab), hostOf) };
}

/** Pins from the hosts file, ranges expanded, checked against the lab's nodes. */
function resolvePins(lab: Lab, spec: HostsSpec): { pins: Map<string, string>; diagnostics: Diagnostic[] } {
  const names = new Set(lab.nodes.map((n) => n.name));
  const pins = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  for (const pin of spec.pins) {
    const r = expandRange(pin.nodes);
    if (!r.ok) {
      diagnostics.push({ loc: pin.loc, message: r.message, hint: r.hint });
      continue;
    }
    const unknown = r.values.filter((n) => !names.has(n));
    if (unknown.length) {
      const guess = didYouMean(unknown[0]!, names);
      diagnostics.push({ loc: pin.loc, message: `${unknown.length === 1 ? 'node' : `${unknown.length} nodes, e.g.`} \`${unknown[0]}\` ${unknown.length === 1 ? 'is' : 'are'} not in lab \`${lab.name}\``, hint: guess ?? 'pin nodes the topology names' });
      continue;
    }
    for (const n of r.values) {
      const before = pins.get(n);
      if (before !== undefined && before !== pin.host) diagnostics.push({ loc: pin.loc, message: `node \`${n}\` is already pinned to \`${before}\``, hint: 'pin each node to one host' });
      pins.set(n, pin.host);
    }
  }
  return { pins, diagnostics };
}

/**
 * Nodes that must share a host: the nodes a VXLAN link of the lab joins, and
 * the bridges its tunnel ends are moved into (a device moves between
 * namespaces of one kernel only, and a tunnel of the lab is built as one
 * link). Pins that split such a group are refused.
 */
function colocated(lab: Lab, pins: Map<string, string>, diagnostics: Diagnostic[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const link of lab.links) {
    if (!link.vxlan) continue;
    const members = link.vxlan.tunnel.flatMap((t) => [t.node, ...(t.bridge ? [t.bridge] : [])]);
    const group = [...new Set(members.flatMap((n) => groups.get(n) ?? [n]))];
    for (const n of group) groups.set(n, group);
    const hosts = new Set(group.flatMap((n) => (pins.has(n) ? [pins.get(n)!] : [])));
    if (hosts.size > 1) diagnostics.push({ loc: link.loc, message: `this VXLAN link joins ${group.map((n) => `\`${n}\``).join(', ')}, which are pinned to different hosts`, hint: 'pin them to one host: a VXLAN link of the lab is built on one machine (its tunnel rides on the lab\'s own addresses)' });
  }
  return groups;
}

/** Each host's share of the lab's nodes, by weight, rounded up; pins may take more. */
function capacities(lab: Lab, spec: HostsSpec, pins: Map<string, string>): Map<string, number> {
  const total = spec.hosts.reduce((s, h) => s + h.weight, 0);
  const pinned = new Map<string, number>();
  for (const h of pins.values()) pinned.set(h, (pinned.get(h) ?? 0) + 1);
  return new Map(spec.hosts.map((h) => [h.name, Math.max(Math.ceil((lab.nodes.length * h.weight) / total), pinned.get(h.name) ?? 0)]));
}

/** Nodes as vertices, links as edges weighted by how many links join the two. */
function linkGraph(lab: Lab): UndirectedGraph {
  const g = new UndirectedGraph();
  for (const n of lab.nodes) g.addNode(n.name);
  for (const l of lab.links) {
    const [a, b] = [l.ends[0].node, l.ends[1].node];
    if (a === b) continue;
    if (g.hasEdge(a, b)) g.updateEdgeAttribute(a, b, 'weight', (w: number) => w + 1);
    else g.addEdge(a, b, { weight: 1 });
  }
  return g;
}

/**
 * Louvain communities in the order they are packed: the biggest first, then
 * always the one most linked to those already packed (so neighbouring
 * communities land side by side), the biggest again when none is linked.
 */
function communities(g: UndirectedGraph): string[][] {
  const order = new Map(g.nodes().map((n, i) => [n, i]));
  const mapping = g.size > 0 ? louvain(g, { getEdgeWeight: 'weight', rng: mulberry32(SEED) }) : Object.fromEntries(g.nodes().map((n, i) => [n, i]));
  const byId = new Map<number, string[]>();
  for (const n of g.nodes()) (byId.get(mapping[n]!) ?? byId.set(mapping[n]!, []).get(mapping[n]!)!).push(n);
  const left = [...byId.values()].sort((a, b) => b.length - a.length || order.get(a[0]!)! - order.get(b[0]!)!);
  const packed = new Set<string>();
  const out: string[][] = [];
  while (left.length) {
    const ties = left.map((c) => c.reduce((s, n) => s + g.neighbors(n).filter((w) => packed.has(w)).length, 0));
    const best = ties.indexOf(Math.max(...ties));
    const [c] = left.splice(best, 1);
    for (const n of c!) packed.add(n);
    out.push(c!);
  }
  return out;
}

/**
 * A community goes to the host it is most linked to (pins, communities
 * packed before it), else the one with the most room; what does not fit
 * spills, breadth-first, to the next such host.
 */
function packCommunity(community: string[], g: UndirectedGraph, spec: HostsSpec, capacity: Map<string, number>, load: Map<string, number>, hostOf: Map<string, string>, place: (n: string, h: string) => void): void {
  const room = (h: string) => capacity.get(h)! - load.get(h)!;
  const choose = (nodes: string[]) => {
    const links = (h: string) => nodes.reduce((s, n) => s + g.neighbors(n).filter((w) => hostOf.get(w) === h).length, 0);
    const open = spec.hosts.map((h) => h.name).filter((h) => room(h) > 0);
    return (open.length ? open : spec.hosts.map((h) => h.name)).sort((a, b) => links(b) - links(a) || room(b) - room(a))[0]!;
  };
  let left = community.filter((n) => !hostOf.has(n));
  while (left.length) {
    const host = choose(left);
    // Start from the node most linked to the chosen host, so the piece that fits there is the piece next to it.
    const start = [...left].sort((a, b) => linksTo(g, b, host, hostOf) - linksTo(g, a, host, hostOf))[0]!;
    for (const n of bfsOrder([start, ...left.filter((x) => x !== start)], g)) {
      if (hostOf.has(n)) continue; // placed with its co-located group
      if (room(host) <= 0 && spec.hosts.some((h) => room(h.name) > 0)) break;
      place(n, host);
    }
    left = left.filter((n) => !hostOf.has(n));
  }
}

const linksTo = (g: UndirectedGraph, n: string, host: string, hostOf: Map<string, string>) => g.neighbors(n).filter((w) => hostOf.get(w) === host).length;

/** Nodes breadth-first from the first one given, so a split keeps neighbours together. */
function bfsOrder(nodes: string[], g: UndirectedGraph): string[] {
  const inside = new Set(nodes);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const start of nodes) {
    if (seen.has(start)) continue;
    seen.add(start);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const v = queue[i]!;
      out.push(v);
      g.forEachNeighbor(v, (w) => {
        if (inside.has(w) && !seen.has(w)) {
          seen.add(w);
          queue.push(w);
        }
      });
    }
  }
  return out;
}

/**
 * Greedy single moves that lower the tunnel count, a few passes, never onto a
 * full host. Exported for its spec test (placement.test.ts).
 */
export function refine(lab: Lab, seg: SegmentIndex, hostOf: Map<string, string>, capacity: Map<string, number>, load: Map<string, number>, pinned: Set<string>, groups: Map<string, string[]>): void {
  for (let pass = 0; pass < 4; pass++) {
    let moved = 0;
    for (const node of lab.nodes) {
      const v = node.name;
      const group = groups.get(v) ?? [v];
      if (group.some((n) => pinned.has(n)) || group[0] !== v) continue;
      const from = hostOf.get(v)!;
      const candidates = new Set(seg.neighbours(v).map((w) => hostOf.get(w)!).filter((h) => h !== from));
      let best: { host: string; delta: number } | undefined;
      const before = localCost(seg, hostOf, group);
      for (const to of candidates) {
        if (load.get(to)! + group.length > capacity.get(to)!) continue;
        for (const n of group) hostOf.set(n, to);
        const delta = localCost(seg, hostOf, group) - before;
        for (const n of group) hostOf.set(n, from);
        if (delta < 0 && (!best || delta < best.delta)) best = { host: to, delta };
      }
      if (!best) continue;
      for (const n of group) hostOf.set(n, best.host);
      load.set(from, load.get(from)! - group.length);
      load.set(best.host, load.get(best.host)! + group.length);
      moved++;
    }
    if (moved === 0) break;
  }
}
