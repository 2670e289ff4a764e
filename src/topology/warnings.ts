/**
 * Warnings: a valid lab that contains a certain mistake. Each is printed with
 * its file:line:col like an error but does not stop the lab (`--strict`
 * makes them errors):
 *
 * - the two ends of a cable in different subnets (they can never talk);
 * - a check expected to pass whose packets, or whose replies, find no route
 *   under the lab's static routing (the kernel answers "Network is
 *   unreachable"), or meet a router that does not forward;
 * - interfaces with different MTUs on one bridge segment (the bridge drops
 *   frames larger than the port they leave by, silently).
 *
 * The route walk is a static model of the kernel's forwarding: connected
 * subnets and the file's routes, longest prefix first. Nodes that may change
 * their own routing (services or setup commands run in them) are not judged.
 */
import type { Diagnostic } from '../diagnostics.js';
import { contains, formatAddress, formatCidr, networkOf, parseAddress, type Address, type Cidr, type Family } from './ip.js';
import type { Check, Lab, NetnsNode } from './model.js';
import { bridgeSegments } from './segments.js';
import { ipInterfaces } from './interfaces.js';

interface Iface {
  node: string;
  ifname: string;
  addresses: Cidr[];
  segment: string;
  /** the segment and VLAN: who hears this interface's frames */
  l2: string;
  mtu: number;
}

interface Model {
  lab: Lab;
  ifaces: Map<string, Iface[]>;
  /** `family|value` → the interface holding that address */
  owner: Map<string, Iface>;
  nodes: Map<string, NetnsNode>;
  /** segment → its bridges, in file order */
  segmentBridges: Map<string, string[]>;
}

const addrKey = (a: Address) => `${a.family}|${a.value}`;
/** The host side of a host-attached bridge: traffic that reaches it leaves the lab. */
const HOST = '(host)';
const DEFAULT_MTU = 1500;

export function lintLab(lab: Lab): Diagnostic[] {
  const model = buildModel(lab);
  return [...cableSubnets(lab), ...segmentMtus(model), ...checkRoutes(model)];
}

function buildModel(lab: Lab): Model {
  const root = bridgeSegments(lab.links);
  const ifaces = new Map<string, Iface[]>();
  const owner = new Map<string, Iface>();
  // By name: a find() per link was links × nodes (1M comparisons, ≈ 15 ms, for the 1000-host star).
  const bridges = new Map(lab.nodes.flatMap((n) => (n.kind === 'bridge' ? [[n.name, n] as const] : [])));
  for (const l of lab.links) {
    const bridgeEnd = l.ends.find((e) => e.kind === 'bridge');
    const segment = bridgeEnd ? `bridge:${root(bridgeEnd.node)}` : `link:${l.index}`;
    // On a VLAN-aware bridge a node's untagged frames are in its port's PVID (1 unless set).
    const filtering = bridgeEnd && bridges.get(bridgeEnd.node)?.options.vlanFiltering;
    const untagged = filtering ? `${segment}#${bridgeEnd.port?.pvid ?? 1}` : segment;
    for (const i of ipInterfaces([l])) {
      const iface: Iface = { node: i.node, ifname: i.ifname, addresses: i.addresses.map((a) => a.cidr), segment, l2: i.vid !== undefined ? `${segment}#${i.vid}` : untagged, mtu: i.mtu ?? DEFAULT_MTU };
      (ifaces.get(i.node) ?? ifaces.set(i.node, []).get(i.node)!).push(iface);
      for (const a of iface.addresses) owner.set(addrKey(a), iface);
    }
  }
  for (const n of lab.nodes) {
    if (n.kind !== 'bridge' || !n.host) continue;
    const cidr = n.host.address.cidr;
    const segment = `bridge:${root(n.name)}`;
    owner.set(addrKey(cidr), { node: HOST, ifname: n.host.hostIf, addresses: [cidr], segment, l2: n.options.vlanFiltering ? `${segment}#1` : segment, mtu: DEFAULT_MTU });
  }
  const nodes = new Map(lab.nodes.filter((n): n is NetnsNode => n.kind === 'netns').map((n) => [n.name, n]));
  const segmentBridges = new Map<string, string[]>();
  for (const n of lab.nodes) if (n.kind === 'bridge') (segmentBridges.get(`bridge:${root(n.name)}`) ?? segmentBridges.set(`bridge:${root(n.name)}`, []).get(`bridge:${root(n.name)}`)!).push(n.name);
  return { lab, ifaces, owner, nodes, segmentBridges };
}

const warn = (d: Omit<Diagnostic, 'severity'>): Diagnostic => ({ ...d, severity: 'warning' });

function cableSubnets(lab: Lab): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const l of lab.links) {
    const [a, b] = l.ends;
    if (a.kind !== 'netns' || b.kind !== 'netns') continue;
    for (const family of [4, 6] as const) {
      const as = a.addresses.filter((x) => x.cidr.family === family);
      const bs = b.addresses.filter((x) => x.cidr.family === family);
      if (!as.length || !bs.length) continue;
      const talk = as.some((x) => bs.some((y) => contains(x.cidr, y.cidr) && contains(y.cidr, x.cidr)));
      if (talk) continue;
      const [x, y] = [as[0]!, bs[0]!];
      out.push(warn({
        loc: y.loc,
        message: `${a.node}:${a.ifname} (${x.text}) and ${b.node}:${b.ifname} (${y.text}) share a cable but not a subnet: they cannot reach each other over it`,
        hint: `put both in one subnet, e.g. ${formatCidr({ ...x.cidr, value: networkOf(x.cidr) + (x.cidr.value === networkOf(x.cidr) + 1n ? 2n : 1n) })} for ${b.node}:${b.ifname}`,
      }));
    }
  }
  return out;
}

function segmentMtus(model: Model): Diagnostic[] {
  const bySegment = new Map<string, Iface[]>();
  for (const list of model.ifaces.values()) for (const i of list) if (i.segment.startsWith('bridge:')) (bySegment.get(i.segment) ?? bySegment.set(i.segment, []).get(i.segment)!).push(i);
  const out: Diagnostic[] = [];
  for (const [segment, members] of bySegment) {
    const mtus = [...new Set(members.map((m) => m.mtu))];
    if (mtus.length < 2) continue;
    const smallest = Math.min(...mtus);
    const big = members.filter((m) => m.mtu > smallest);
    const small = members.find((m) => m.mtu === smallest)!;
    const end = model.lab.links.flatMap((l) => l.ends).find((e) => e.node === big[0]!.node && e.ifname === big[0]!.ifname)!;
    const bridges = model.segmentBridges.get(segment) ?? [];
    out.push(warn({
      loc: end.loc,
      message: `${big.map((m) => `${m.node}:${m.ifname}`).slice(0, 3).join(', ')}${big.length > 3 ? ` and ${big.length - 3} more` : ''} ha${big.length === 1 ? 's' : 've'} MTU ${big[0]!.mtu} on the L2 segment of ${bridges.length > 1 ? 'bridges' : 'bridge'} ${bridges.join(', ')}, where ${small.node}:${small.ifname} has ${smallest}: frames over ${smallest} bytes between them are dropped by the bridge, silently`,
      hint: 'give every interface of one L2 segment the same MTU (set it on the bridge, or in `defaults`)',
    }));
  }
  return out;
}

/** Checks whose traffic the static routing cannot carry, or carries through a node that does not forward. */
function checkRoutes(model: Model): Diagnostic[] {
  const out: Diagnostic[] = [];
  const forwardWarned = new Set<string>();
  for (const check of model.lab.checks) {
    if (check.expect !== 'pass') continue;
    for (const [from, target] of flows(check)) {
      const dst = parseAddress(target);
      if (!dst || !model.nodes.has(from)) continue;
      const there = walk(model, from, dst);
      if (there.kind === 'stuck') {
        out.push(warn({ loc: check.loc, message: `check \`${check.name}\` cannot pass: ${there.why}`, hint: there.hint }));
        continue;
      }
      if (there.kind !== 'arrived') continue;
      const src = there.source;
      const back = src ? walk(model, there.at, src) : undefined;
      if (back?.kind === 'stuck') {
        out.push(warn({ loc: check.loc, message: `check \`${check.name}\` cannot pass: replies from ${there.at} to ${from} (${formatAddress(src!)}) find no way back: ${back.why}`, hint: back.hint }));
        continue;
      }
      for (const hop of [...there.forwarders, ...(back?.kind === 'arrived' ? back.forwarders : [])]) {
        const key = `${hop.node}|${hop.family}`;
        if (forwardWarned.has(key) || forwards(model.nodes.get(hop.node)!, hop.family)) continue;
        forwardWarned.add(key);
        const sysctl = hop.family === 4 ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding';
        out.push(warn({
          loc: model.nodes.get(hop.node)!.loc,
          message: hop.family === 4
            ? `\`${hop.node}\` forwards the traffic of check \`${check.name}\` but does not turn on IPv4 forwarding: it works only where the host forwards itself (a new namespace copies the host's IPv4 setting)`
            : `\`${hop.node}\` forwards the IPv6 traffic of check \`${check.name}\`, but IPv6 forwarding is off in a new namespace: the check cannot pass`,
          hint: `add \`sysctl: { ${sysctl}: 1 }\` to ${hop.node}`,
        }));
      }
    }
  }
  return out;
}

/** (from node, target address) pairs a check sends traffic along. Big meshes are not walked pair by pair. */
function flows(check: Check): [string, string][] {
  if (check.kind === 'reach') return [];
  if (check.target && check.nodes[0]) return [[check.nodes[0], check.target]];
  return [];
}

function forwards(node: NetnsNode, family: Family): boolean {
  const on = (key: string) => node.sysctls.some((s) => s.key === key && s.value === '1');
  return family === 4 ? on('net.ipv4.ip_forward') || on('net.ipv4.conf.all.forwarding') : on('net.ipv6.conf.all.forwarding');
}

type Walk =
  | { kind: 'arrived'; at: string; forwarders: { node: string; family: Family }[]; source?: Address }
  | { kind: 'stuck'; why: string; hint?: string }
  | { kind: 'unknown' };

/** Follow the kernel's choice hop by hop, from a node towards an address. */
function walk(model: Model, from: string, dst: Address): Walk {
  const forwarders: { node: string; family: Family }[] = [];
  let node = from;
  let source: Address | undefined;
  const seen = new Set<string>();
  for (let hops = 0; hops < 64; hops++) {
    if (owns(model, node, dst)) return { kind: 'arrived', at: node, forwarders, ...(source ? { source } : {}) };
    if (seen.has(node)) return { kind: 'stuck', why: `the routes loop back to ${node}`, hint: 'check the routes of the nodes on the way' };
    // A node that runs software (a routing daemon, a setup command) may make its own routes: not ours to judge.
    const n = model.nodes.get(node);
    if (n && (n.services.length > 0 || n.setup.length > 0)) return { kind: 'unknown' };
    seen.add(node);
    const hop = nextHop(model, node, dst);
    if (!hop) {
      return { kind: 'stuck', why: `${node} has no route to ${formatAddress(dst)} (no connected subnet or route covers it)`,
        hint: `add a route on ${node}, e.g. \`{ to: ${dst.family === 4 ? 'default' : 'default6'}, via: <gateway> }\`, or \`expect: fail\` if that is the point` };
    }
    source ??= hop.iface.addresses.find((a) => a.family === dst.family);
    const next = model.owner.get(addrKey(hop.address));
    if (!next || next.l2 !== hop.iface.l2) {
      return hop.address === dst && !next
        ? { kind: 'unknown' } // an address outside the lab's nodes (the host, say): not ours to judge
        : { kind: 'stuck', why: `${node} sends it to ${formatAddress(hop.address)} on ${hop.iface.ifname}, which no node on that segment has` };
    }
    if (next.node === HOST) return { kind: 'unknown' }; // the host routes it on: beyond what the file says
    // The destination on another interface of the next node is delivered
    // there, not forwarded (Linux answers for all its addresses on any port).
    if (!owns(model, next.node, dst)) forwarders.push({ node: next.node, family: dst.family });
    node = next.node;
  }
  return { kind: 'unknown' };
}

function owns(model: Model, node: string, dst: Address): boolean {
  return (model.ifaces.get(node) ?? []).some((i) => i.addresses.some((a) => a.family === dst.family && a.value === dst.value));
}

/** Longest-prefix match over the node's connected subnets and its routes. */
function nextHop(model: Model, node: string, dst: Address): { iface: Iface; address: Address } | undefined {
  const own = model.ifaces.get(node) ?? [];
  let best: { prefix: number; iface: Iface; address: Address } | undefined;
  for (const i of own) {
    for (const a of i.addresses) {
      if (a.family !== dst.family || !contains(a, dst)) continue;
      if (!best || a.prefix > best.prefix) best = { prefix: a.prefix, iface: i, address: dst };
    }
  }
  // Longest prefix first; among equal prefixes, the lowest metric (as the kernel chooses).
  const routes = [...(model.nodes.get(node)?.routes ?? [])].sort((a, b) => b.dest.prefix - a.dest.prefix || (a.metric ?? 0) - (b.metric ?? 0));
  for (const r of routes) {
    if (r.dest.family !== dst.family || !contains(r.dest, dst)) continue;
    if (best && r.dest.prefix <= best.prefix) continue;
    const via = own.find((i) => i.addresses.some((a) => contains(a, r.via)));
    if (via) best = { prefix: r.dest.prefix, iface: via, address: r.via };
  }
  return best && { iface: best.iface, address: best.address };
}
