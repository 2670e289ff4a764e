/**
 * Meaning: from a structurally valid file to a concrete Lab. Expands ranges,
 * resolves endpoints, inherits MTU/txqueuelen, names bridge ports, runs IPAM
 * and checks everything that needs the whole lab in view. Every problem is
 * collected; the Lab is returned only when there are none.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { didYouMean } from '../util/suggest.js';
import { validateAddressing, type NodeOrigins } from './addressing.js';
import { buildBench } from './bench.js';
import { buildChecks, refContext } from './checks.js';
import { buildScenarios } from './scenarios.js';
import { formatCidr, parseCidr } from './ip.js';
import { assignAddresses } from './ipam.js';
import type { BridgeNode, End, IfAddress, Lab, LabNode, Link, LocatedCidr, NetnsNode, Sysctl } from './model.js';
import { ifnameProblem, IPROUTE2_KEYWORDS, labNameProblem, namespaceOf, nodeNameProblem, IFNAME_MAX_BYTES, hostTag } from './names.js';
import { netemProblems } from './netem.js';
import type { SourceFile } from './parse.js';
import { Problems } from './problems.js';
import { expandRange } from './ranges.js';
import { bridgeSegments } from './segments.js';
import { buildNft, buildServices, buildSetup } from './software.js';
import { buildBridgeOptions } from './bridge-options.js';
import { applyPortOptions, checkPortsInLab, type VlanAddressTexts } from './ports.js';
import { buildPublishes } from './publish.js';
import { attachVxlan, resolveUnderlay, VXLAN_ONLY, type PendingVxlan } from './vxlan.js';
import type { RawLink, RawNetem, RawNode, TopologyFile } from './schema.js';

export interface BuildOptions {
  /**
   * Nodes that lost a link or their kind to an earlier (structural) problem:
   * their addresses are incomplete, so "gateway not connected" or "has no
   * address" would be a consequence of that problem, not a new one.
   */
  tainted?: ReadonlySet<string>;
}

export function buildLab(file: TopologyFile, source: SourceFile, opts: BuildOptions = {}): { lab?: Lab; diagnostics: Diagnostic[] } {
  const p = new Problems(source);
  const nameProblem = labNameProblem(file.name);
  if (nameProblem) p.at(['name'], nameProblem, 'e.g. `name: office`');
  const lab = file.name;
  const tainted = new Set(opts.tainted);

  const origins: NodeOrigins = new Map();
  const nodes = buildNodes(file, lab, origins, p);
  const vxlans: PendingVxlan[] = [];
  const links = buildLinks(file, nodes, tainted, vxlans, p);
  nameBridgePorts(nodes, links);
  checkBridgeLoops(nodes, links, p);
  checkBridgePorts(nodes, links, p);
  checkPortsInLab(nodes, links, p);

  // Addresses are checked on whatever part of the graph is sound: a broken
  // link elsewhere must not hide a duplicate address here.
  assignAddresses(file, nodes, links, p);
  resolveUnderlay(vxlans, links, p);
  validateAddressing(origins, nodes, links, tainted, p);
  buildPublishes(nodes, links, origins, p);
  const checks = buildChecks(file, nodes, links, tainted, p);
  const bench = buildBench(file, nodes, links, tainted, p);
  const scenarios = buildScenarios(file.scenarios, refContext(nodes, links, tainted, p));
  if (p.count > 0) return { diagnostics: p.list };
  return { lab: { name: lab, file: source.path, dir: dirname(source.path), nodes: [...nodes.values()], links, checks, scenarios, ...(bench ? { bench } : {}) }, diagnostics: [] };
}

// ---------------------------------------------------------------- nodes

const BRIDGE_ONLY = ['subnet', 'host', 'vlan_filtering', 'stp', 'forward_delay', 'ageing_time', 'mcast_snooping'] as const;
const NETNS_ONLY = ['routes', 'sysctl', 'setup', 'nft', 'services'] as const;
const SYSCTL_KEY = /^[a-z][a-z0-9_]*(\.[A-Za-z0-9_-]+)+$/;

function buildNodes(file: TopologyFile, lab: string, origins: NodeOrigins, p: Problems): Map<string, LabNode> {
  const nodes = new Map<string, LabNode>();
  for (const [key, rawOrNull] of Object.entries(file.nodes)) {
    const raw: RawNode = rawOrNull ?? {};
    const path = ['nodes', key];
    const loc = p.loc(path, 'key');
    const expanded = expandRange(key);
    if (!expanded.ok) {
      p.at(path, expanded.message, expanded.hint, 'key');
      continue;
    }
    const kind = raw.kind ?? 'netns';
    const misplaced = kind === 'netns' ? BRIDGE_ONLY : NETNS_ONLY;
    for (const field of misplaced) {
      if (raw[field] !== undefined) {
        p.at([...path, field], `\`${field}\` applies to ${kind === 'netns' ? 'bridges' : 'namespaces'}, and \`${key}\` is a ${kind === 'netns' ? 'namespace' : 'bridge'}`,
          kind === 'netns' ? 'add `kind: bridge` to make it a bridge' : 'a bridge has no IP stack and runs nothing; put routes, sysctls and software on a namespace node', 'key');
      }
    }
    if (kind === 'netns' && (raw.mtu !== undefined || raw.txqueuelen !== undefined)) {
      const field = raw.mtu !== undefined ? 'mtu' : 'txqueuelen';
      p.at([...path, field], `\`${field}\` on a namespace node has no single interface to apply to`, 'set it on the node\'s links, or in `defaults`', 'key');
    }
    const sysctls = kind === 'netns' ? buildSysctls(raw, path, p) : [];
    const setup = kind === 'netns' ? buildSetup(raw, path, p) : [];
    const nft = kind === 'netns' ? buildNft(raw, path, p) : undefined;
    const subnets = kind === 'bridge' ? buildSubnets(raw, path, p) : [];
    const options = kind === 'bridge' ? buildBridgeOptions(raw, path, p) : {};
    for (const name of expanded.values) {
      const problem = nodeNameProblem(lab, name);
      if (problem) p.at(path, problem, undefined, 'key');
      if (nodes.has(name)) {
        p.at(path, `node \`${name}\` is defined twice`, 'rename one of them', 'key');
        continue;
      }
      const ns = namespaceOf(lab, name);
      origins.set(name, { key, raw });
      if (kind === 'netns') {
        const services = buildServices(name, raw, path, p);
        const node: NetnsNode = { kind, name, ns, loc, routes: [], sysctls, setup, ...(nft ? { nft } : {}), services, ...(expanded.ranged ? { group: key } : {}) };
        nodes.set(name, node);
      } else {
        const node: BridgeNode = {
          kind, name, ns, loc, subnets, ...(expanded.ranged ? { group: key } : {}),
          device: Buffer.byteLength(name) <= IFNAME_MAX_BYTES ? name : 'br0',
          mtu: raw.mtu, txqueuelen: raw.txqueuelen, options,
        };
        if (raw.host) node.host = buildHostAttachment(lab, name, raw.host, [...path, 'host'], p);
        nodes.set(name, node);
      }
    }
  }
  if (nodes.size === 0 && p.count === 0) p.at(['nodes'], 'the lab has no nodes', 'add at least one, e.g. `h1: {}`');
  return nodes;
}

function buildSysctls(raw: RawNode, path: (string | number)[], p: Problems): Sysctl[] {
  const out: Sysctl[] = [];
  for (const [key, value] of Object.entries(raw.sysctl ?? {})) {
    const kpath = [...path, 'sysctl', key];
    if (!SYSCTL_KEY.test(key)) {
      p.at(kpath, `\`${key}\` is not a sysctl name`, 'write it with dots, e.g. `net.ipv4.ip_forward`', 'key');
    } else if (!key.startsWith('net.')) {
      p.at(kpath, `\`${key}\` is not a network sysctl: it would change the whole host, not just this namespace`, 'only `net.*` sysctls are per namespace', 'key');
    }
    const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    if (/[\n\r]/.test(text) || text.length === 0) p.at(kpath, `sysctl value for \`${key}\` must be a non-empty single line`);
    out.push({ key, value: text, loc: p.loc(kpath, 'key') });
  }
  return out;
}

function buildSubnets(raw: RawNode, path: (string | number)[], p: Problems): LocatedCidr[] {
  if (raw.subnet === undefined) return [];
  const list = Array.isArray(raw.subnet) ? raw.subnet : [raw.subnet];
  const out: LocatedCidr[] = [];
  list.forEach((text, i) => {
    const spath = Array.isArray(raw.subnet) ? [...path, 'subnet', i] : [...path, 'subnet'];
    const parsed = parseCidr(text);
    if (!parsed.ok) return p.at(spath, parsed.reason, parsed.hint);
    const c = parsed.cidr;
    const net = { ...c, value: c.value & ~((1n << BigInt((c.family === 4 ? 32 : 128) - c.prefix)) - 1n) };
    if (net.value !== c.value) {
      return p.at(spath, `subnet \`${text}\` has host bits set`, `did you mean \`${formatCidr(net)}\`?`);
    }
    if (out.some((o) => o.family === c.family)) {
      return p.at(spath, `a bridge takes at most one IPv${c.family} subnet`);
    }
    out.push({ ...c, loc: p.loc(spath) });
  });
  return out;
}

function buildHostAttachment(lab: string, bridge: string, raw: NonNullable<RawNode['host']>, path: (string | number)[], p: Problems): BridgeNode['host'] {
  const parsed = parseCidr(raw.ip);
  if (!parsed.ok) {
    p.at([...path, 'ip'], parsed.reason, parsed.hint);
    return undefined;
  }
  // Host interface names must be unique on the host and at most 15 bytes:
  // derive them from a hash of lab and bridge, and tag them for `down`.
  const hash = createHash('sha256').update(`${hostTag(lab)}/${bridge}`).digest('hex').slice(0, 8);
  return {
    hostIf: `nsl${hash}`,
    portIf: 'host0',
    address: { cidr: parsed.cidr, text: formatCidr(parsed.cidr), auto: false, loc: p.loc([...path, 'ip']) },
    nat: raw.nat ?? false,
    publish: [], // resolved once addresses are known (publish.ts)
    loc: p.loc(path, 'key'),
  };
}

// ---------------------------------------------------------------- links

interface ParsedEndpoint {
  node: string;
  ifname?: string;
}

function parseEndpoint(text: string): ParsedEndpoint {
  const colon = text.indexOf(':');
  return colon < 0 ? { node: text } : { node: text.slice(0, colon), ifname: text.slice(colon + 1) };
}

function buildLinks(file: TopologyFile, nodes: Map<string, LabNode>, tainted: Set<string>, vxlans: PendingVxlan[], p: Problems): Link[] {
  const links: Link[] = [];
  /** `${node}\0${ifname}` → path of the first use, to report reuse */
  const used = new Map<string, (string | number)[]>();
  const claim = (node: string, ifname: string, at: (string | number)[]) => {
    const first = used.get(`${node}\0${ifname}`);
    if (first) {
      p.at(at, `interface \`${ifname}\` of \`${node}\` is already used at line ${p.loc(first).line}`, 'each interface of a node belongs to one link; pick another name');
      return false;
    }
    used.set(`${node}\0${ifname}`, at);
    return true;
  };
  (file.links ?? []).forEach((raw, i) => {
    const path = ['links', i];
    checkLinkKeys(raw, path, p);
    const expansions = raw.endpoints.map((e, j) => {
      const r = expandRange(e);
      if (!r.ok) p.at([...path, 'endpoints', j], r.message, r.hint);
      return r;
    });
    const taintAll = () => expansions.forEach((r) => r.ok && r.values.forEach((v) => tainted.add(parseEndpoint(v).node)));
    if (expansions.some((r) => !r.ok)) return taintAll();
    const [ea, eb] = expansions as [Extract<typeof expansions[0], { ok: true }>, Extract<typeof expansions[0], { ok: true }>];
    if (ea.ranged && eb.ranged && ea.values.length !== eb.values.length) {
      p.at([...path, 'endpoints'], `the two endpoint ranges differ in length (${ea.values.length} and ${eb.values.length})`, 'paired ranges must have as many values each, e.g. `[r{1..9}:eth1, r{2..10}:eth0]`');
      return taintAll();
    }
    const count = Math.max(ea.values.length, eb.values.length);
    const ips = expandIps(raw, count, path, p);
    if (!ips) return taintAll();
    for (let k = 0; k < count; k++) {
      const texts = [ea.values[ea.ranged ? k : 0]!, eb.values[eb.ranged ? k : 0]!] as const;
      const ends = texts.map((t, j) => {
        const before = p.count;
        const end = buildEnd(t, j as 0 | 1, ips[k]!, [...path, 'endpoints', j], nodes, claim, p);
        if (p.count > before) tainted.add(parseEndpoint(t).node); // it lost an address, or the link
        return end;
      });
      // A dropped link leaves both of its nodes' addressing incomplete.
      if (ends.some((e) => e === undefined)) {
        for (const t of texts) tainted.add(parseEndpoint(t).node);
        continue;
      }
      const pair = ends as [End, End];
      const vxlan = raw.kind === 'vxlan' ? attachVxlan(pair, raw, path, nodes, claim, p) : undefined;
      if (raw.kind === 'vxlan' && !vxlan) {
        for (const t of texts) tainted.add(parseEndpoint(t).node);
        continue;
      }
      const [a, b] = pair;
      if (a.kind === 'bridge' && b.kind === 'bridge' && a.node === b.node) {
        p.at([...path, 'endpoints'], `this link connects bridge \`${a.node}\` to itself`, 'a bridge looped back on itself floods every frame forever; remove the link');
        continue;
      }
      inherit(a, b, raw, file, nodes);
      inherit(b, a, raw, file, nodes);
      applyNetem(a, b, raw, path, p);
      const link: Link = { index: links.length, statement: { index: i, endpoints: [raw.endpoints[0]!, raw.endpoints[1]!], count }, loc: p.loc(path), ipWritten: raw.ip !== undefined, ends: [a, b], ...(vxlan ? { vxlan } : {}) };
      applyPortOptions(link, raw, path, [ips[k]![0]!.byVlan, ips[k]![1]!.byVlan], p);
      links.push(link);
      if (vxlan) vxlans.push({ link, raw, path });
    }
  });
  return links;
}

/** One address as written, with the path to quote if it is wrong. */
interface AddressText {
  text: string;
  path: (string | number)[];
}

/** One endpoint's `ip:` entry for one expansion: its addresses, or on a trunk's node end, addresses per VLAN. */
interface EndAddressTexts {
  plain: AddressText[];
  byVlan?: VlanAddressTexts;
}

/**
 * The `ip:` entries for each expansion of a link: per expansion, per
 * endpoint, the addresses written (an entry is one address, a list of them
 * for dual stack, null, or `{ VLAN: address }` on a trunk). Ranges in
 * addresses pair with endpoint ranges.
 */
function expandIps(raw: RawLink, count: number, path: (string | number)[], p: Problems): EndAddressTexts[][] | undefined {
  const out: EndAddressTexts[][] = Array.from({ length: count }, () => [{ plain: [] }, { plain: [] }]);
  let ok = true;
  /** One written address (maybe ranged) into `put` for each expansion. */
  const expand = (t: string, at: (string | number)[], put: (k: number, a: AddressText) => void) => {
    const r = expandRange(t);
    if (!r.ok) {
      ok = false;
      p.at(at, r.message, r.hint);
    } else if (r.ranged && r.values.length !== count) {
      ok = false;
      p.at(at, `the address range has ${r.values.length} values but the link expands to ${count}`, 'give the address the same range length as the endpoints');
    } else if (!r.ranged && count > 1) {
      ok = false;
      p.at(at, `this ranged link expands to ${count} links, which would all get \`${t}\``, 'use a range in the address (`10.0.0.{1..9}/24`), a bridge `subnet`, or `ipam.p2p`');
    } else {
      for (let k = 0; k < count; k++) put(k, { text: r.values[r.ranged ? k : 0]!, path: at });
    }
  };
  const listOf = (entry: string | string[], at: (string | number)[]) => (Array.isArray(entry) ? entry.map((t, m) => ({ t, at: [...at, m] })) : [{ t: entry, at }]);
  (raw.ip ?? []).forEach((entry, j) => {
    if (entry === null) return;
    if (typeof entry === 'string' || Array.isArray(entry)) {
      for (const { t, at } of listOf(entry, [...path, 'ip', j])) expand(t, at, (k, a) => out[k]![j]!.plain.push(a));
      return;
    }
    for (const [key, value] of Object.entries(entry)) {
      const vid = Number(key);
      if (!/^\d+$/.test(key) || vid < 1 || vid > 4094) {
        ok = false;
        p.at([...path, 'ip', j, key], `\`${key}\` is not a VLAN id`, 'a trunk\'s addresses are keyed by VLAN id, 1..4094, e.g. `{ 10: 10.0.10.1/24 }`', 'key');
        continue;
      }
      for (const { t, at } of listOf(value, [...path, 'ip', j, key])) {
        expand(t, at, (k, a) => {
          const byVlan = (out[k]![j]!.byVlan ??= new Map());
          (byVlan.get(vid) ?? byVlan.set(vid, []).get(vid)!).push(a);
        });
      }
    }
  });
  return ok ? out : undefined;
}

/** Keys of one kind of link on the other: each is an error at the key (the link is still built, to find its other problems). */
function checkLinkKeys(raw: RawLink, path: (string | number)[], p: Problems): void {
  if (raw.kind === 'vxlan') {
    for (const key of ['txqueuelen'] as const) {
      if (raw[key] !== undefined) p.at([...path, key], `\`${key}\` applies to veth links; a VXLAN device has no queue of its own to size`, 'remove it', 'key');
    }
  } else {
    for (const key of VXLAN_ONLY) {
      if (raw[key] !== undefined) p.at([...path, key], `\`${key}\` applies to VXLAN links, and this link is a veth pair`, 'add `kind: vxlan` to make it a tunnel', 'key');
    }
  }
}

function buildEnd(
  text: string, j: 0 | 1, ips: EndAddressTexts[], path: (string | number)[],
  nodes: Map<string, LabNode>, claim: (node: string, ifname: string, at: (string | number)[]) => boolean, p: Problems,
): End | undefined {
  const ep = parseEndpoint(text);
  const node = nodes.get(ep.node);
  if (!node) {
    p.at(path, `unknown node \`${ep.node}\` in endpoint \`${text}\``, didYouMean(ep.node, nodes.keys()) ?? 'define it under `nodes:`');
    return undefined;
  }
  if (node.kind === 'netns' && ep.ifname === undefined) {
    p.at(path, `endpoint \`${text}\` names a namespace but no interface`, `write \`${text}:eth0\``);
    return undefined;
  }
  if (ep.ifname !== undefined) {
    const problem = ifnameProblem(ep.ifname);
    if (problem) {
      const rename = IPROUTE2_KEYWORDS.has(ep.ifname) || ep.ifname === 'lo';
      p.at(path, problem, rename ? `pick another name, e.g. \`${ep.ifname === 'lo' ? 'eth0' : `${ep.ifname}0`}\`` : 'interface names are at most 15 bytes, without whitespace, `/`, `:`, `%`, quotes or `#`');
      return undefined;
    }
    if (node.kind === 'bridge' && ep.ifname === node.device) {
      p.at(path, `port name \`${ep.ifname}\` is the name of the bridge device itself`, 'pick another port name, or leave it out');
      return undefined;
    }
    if (!claim(ep.node, ep.ifname, path)) return undefined;
  }
  const addresses: IfAddress[] = [];
  for (const ip of ips[j]!.plain) {
    if (node.kind === 'bridge') {
      p.at(ip.path, `endpoint ${j + 1} is a bridge port, which takes no address`, 'use `null` for it, and give the address to a namespace on the bridge (or use the bridge\'s `host:`)');
      break;
    }
    const parsed = parseCidr(ip.text);
    if (!parsed.ok) p.at(ip.path, parsed.reason, parsed.hint);
    else addresses.push({ cidr: parsed.cidr, text: formatCidr(parsed.cidr), auto: false, loc: p.loc(ip.path) });
  }
  return { node: node.name, kind: node.kind, ifname: ep.ifname ?? '', addresses, loc: p.loc(path) };
}

/** Link settings win over the bridge's, which win over the defaults. */
function inherit(end: End, peer: End, raw: RawLink, file: TopologyFile, nodes: Map<string, LabNode>): void {
  const bridge = [end, peer].map((e) => nodes.get(e.node)).find((n): n is BridgeNode => n?.kind === 'bridge');
  end.mtu = raw.mtu ?? bridge?.mtu ?? file.defaults?.mtu;
  end.txqueuelen = raw.txqueuelen ?? bridge?.txqueuelen ?? file.defaults?.txqueuelen;
}

function applyNetem(a: End, b: End, raw: RawLink, path: (string | number)[], p: Problems): void {
  if (!raw.netem) return;
  const { a: na, b: nb, ...both } = raw.netem;
  const npath = [...path, 'netem'];
  const hasBoth = Object.keys(both).length > 0;
  if (hasBoth && (na || nb)) {
    p.at(npath, 'netem mixes settings for both ends with per-end `a:`/`b:`', 'either write the settings directly (both ends), or only under `a:` and `b:`');
    return;
  }
  const check = (spec: RawNetem, specPath: (string | number)[], mtu = a.mtu ?? b.mtu) => {
    for (const prob of netemProblems(spec, mtu)) p.at(prob.field ? [...specPath, prob.field] : specPath, `netem: ${prob.message}`, prob.hint, prob.field ? 'key' : 'value');
  };
  if (hasBoth) {
    check(both as RawNetem, npath);
    a.netem = { spec: both as RawNetem, loc: p.loc(npath) };
    b.netem = { spec: both as RawNetem, loc: p.loc(npath) };
  } else if (!na && !nb) {
    check({}, npath);
  }
  if (na) {
    check(na, [...npath, 'a'], a.mtu);
    a.netem = { spec: na, loc: p.loc([...npath, 'a']) };
  }
  if (nb) {
    check(nb, [...npath, 'b'], b.mtu);
    b.netem = { spec: nb, loc: p.loc([...npath, 'b']) };
  }
}

/**
 * Ports without an explicit name get `<peer>-<ifname>` when it fits in 15
 * bytes and is free in the bridge's namespace, else `p<link>`. Deterministic:
 * derived from the links alone.
 */
function nameBridgePorts(nodes: Map<string, LabNode>, links: Link[]): void {
  const taken = new Map<string, Set<string>>();
  const takenIn = (bridge: string) => {
    let s = taken.get(bridge);
    if (!s) {
      const node = nodes.get(bridge) as BridgeNode;
      s = new Set([node.device, ...(node.host ? [node.host.portIf] : [])]);
      taken.set(bridge, s);
    }
    return s;
  };
  for (const l of links) for (const e of l.ends) if (e.kind === 'bridge' && e.ifname) takenIn(e.node).add(e.ifname);
  for (const l of links) {
    l.ends.forEach((e, j) => {
      if (e.kind !== 'bridge' || e.ifname) return;
      const peer = l.ends[1 - j]!;
      const set = takenIn(e.node);
      const readable = peer.kind === 'netns' ? `${peer.node}-${peer.ifname}` : `${peer.node}-${l.index}`;
      let name = Buffer.byteLength(readable) <= IFNAME_MAX_BYTES && !set.has(readable) ? readable : `p${l.index}`;
      for (let n = 0; set.has(name); n++) name = `p${l.index}x${n}`;
      set.add(name);
      e.ifname = name;
    });
  }
}

/** The kernel numbers bridge ports 1..1023; the 1024th fails with "Exchange full" (BR_MAX_PORTS). */
export const BRIDGE_MAX_PORTS = 1023;

/** A bridge with more ports than the kernel allows: an error at the link that goes past it. */
function checkBridgePorts(nodes: Map<string, LabNode>, links: Link[], p: Problems): void {
  const count = new Map<string, number>();
  for (const n of nodes.values()) if (n.kind === 'bridge' && n.host) count.set(n.name, 1);
  const reported = new Set<string>();
  for (const l of links) {
    for (const e of l.ends) {
      if (e.kind !== 'bridge') continue;
      const n = (count.get(e.node) ?? 0) + 1;
      count.set(e.node, n);
      if (n <= BRIDGE_MAX_PORTS || reported.has(e.node)) continue;
      reported.add(e.node);
      const total = links.reduce((k, x) => k + x.ends.filter((y) => y.kind === 'bridge' && y.node === e.node).length, 0) + ((nodes.get(e.node) as BridgeNode).host ? 1 : 0);
      p.atLoc(l.loc, `bridge \`${e.node}\` would have ${total} ports; the kernel allows at most ${BRIDGE_MAX_PORTS} ("Exchange full")`,
        `split the segment over several bridges joined by links, e.g. \`${e.node}1\` and \`${e.node}2\` with a link \`[${e.node}1, ${e.node}2]\`, each with at most ${BRIDGE_MAX_PORTS} ports`);
    }
  }
}

/**
 * Two paths between bridges make a broadcast storm unless STP breaks the
 * loop: a loop is an error unless both bridges the closing link joins run STP.
 */
function checkBridgeLoops(nodes: Map<string, LabNode>, links: Link[], p: Problems): void {
  const stp = (name: string) => (nodes.get(name) as BridgeNode | undefined)?.options.stp === true;
  bridgeSegments(links, (l) => {
    const [a, b] = l.ends;
    if (stp(a.node) && stp(b.node)) return;
    p.atLoc(l.loc, `this link makes a loop between bridges \`${a.node}\` and \`${b.node}\`, which are already connected`,
      'without STP a loop floods frames forever; remove one of the paths, or set `stp: true` on the bridges');
  });
}
