/**
 * The creation plan, derived from the lab graph.
 *
 * Order (each later group may depend on earlier ones):
 *   host:       `ip netns add` for every namespace, then every veth pair,
 *               both ends created directly in their namespaces with their
 *               MTU and txqueuelen (one host-level `ip -batch`)
 *   each ns:    bridges first (their namespaces hold the longest batches),
 *               then nodes: sysctls; addresses; interfaces up; qdiscs;
 *               routes last (their gateways must be on an interface that is up)
 *
 * Steps of one namespace only depend on host steps and on steps of the
 * same namespace, so namespaces can be built in parallel, each with one
 * `ip -batch` process.
 */
import type { BridgeNode, CrossHostTunnel, End, HostAttachment, Lab, LabNode, Link, NetnsNode, Route, Service, VlanInterface } from '../topology/model.js';
import { hostTag } from '../topology/names.js';
import { qdiscCommands } from '../topology/netem.js';
import { formatCidr, networkOf } from '../topology/ip.js';
import { buildGraph, ifVertex, interfacesIn, nsVertex, peerOf, type LabGraph, type VertexAttrs } from './graph.js';
import { natRuleSpec, publishRuleSpecs } from './nat.js';
import { assertOrdered, type Plan, type PlannedService, type Step } from './plan.js';
import { defaultRunDir, nodeDirIn } from './dirs.js';
import { commandArgv, commandText } from '../topology/command.js';
import { bridgeOptionWords } from '../topology/bridge-options.js';
import { portOptionSteps, portReadyId } from './ports.js';

type IfaceAttrs = Extract<VertexAttrs, { type: 'interface' }>;

export interface PlanOptions {
  /** the lab's run folder (its nodes' scratch folders, $NSLAB_DIR, are in it); `up` passes its own */
  runDir?: string;
}

/**
 * The first steps of every creation plan: a namespace per node. They need
 * nothing but the lab's names, so `up` starts them while it plans the rest.
 * Bridges first throughout: every link to a bridge waits for its namespace,
 * and a bridge's namespace holds the lab's longest batch (one line per port).
 */
export function namespaceSteps(lab: Lab): Step[] {
  return bridgesFirst(lab).map((node) => ({ id: `netns:${node.name}`, ns: null, argv: ['ip', 'netns', 'add', node.ns], deps: [], why: `namespace for ${node.kind === 'bridge' ? 'bridge' : 'node'} ${node.name}`, source: node.loc }));
}

const bridgesFirst = (lab: Lab): LabNode[] => [...lab.nodes.filter((n) => n.kind === 'bridge'), ...lab.nodes.filter((n) => n.kind === 'netns')];

export function creationPlan(lab: Lab, graph: LabGraph = buildGraph(lab), opts: PlanOptions = {}): Plan {
  const runDir = opts.runDir ?? defaultRunDir(lab.name);
  const steps: Step[] = [];
  const add = (s: Step) => void steps.push(s);

  for (const s of namespaceSteps(lab)) add(s);
  const nsOf = new Map(lab.nodes.map((n) => [n.name, n.ns]));
  for (const link of lab.links) {
    if (link.vxlan) {
      vxlanSteps(link, nsOf, add);
      continue;
    }
    const [a, b] = link.ends;
    const nsA = nsOf.get(a.node)!;
    const nsB = nsOf.get(b.node)!;
    add({
      id: `veth:${link.index}`,
      ns: null,
      argv: ['ip', 'link', 'add', 'name', a.ifname, ...linkOptions(a), 'netns', nsA, 'type', 'veth', 'peer', 'name', b.ifname, ...linkOptions(b), 'netns', nsB],
      deps: [`netns:${a.node}`, `netns:${b.node}`],
      why: `veth ${a.node}:${a.ifname} <-> ${b.node}:${b.ifname}`,
      source: link.loc,
    });
  }
  for (const t of lab.crossHost ?? []) crossHostSteps(t, nsOf, add);
  for (const node of lab.nodes) {
    if (node.kind === 'bridge' && node.host) hostAttachmentHostSteps(lab, node, node.host, add);
  }

  for (const node of bridgesFirst(lab)) {
    if (node.kind === 'bridge') bridgeSteps(lab, graph, node, add);
    else netnsSteps(lab, graph, node, add);
  }
  // Software last: a node's nft ruleset and setup commands once every node is
  // configured (a setup command may talk to another node).
  const configured = steps.map((s) => s.id);
  for (const node of lab.nodes) if (node.kind === 'netns') softwareSteps(lab, node, nodeDirIn(runDir, node.name), configured, add);
  const services = lab.nodes.flatMap((n) => (n.kind === 'netns' ? n.services.map((s) => plannedService(n.ns, s)) : []));
  const plan: Plan = { kind: 'create', lab: lab.name, file: lab.file, steps, ...(services.length ? { services } : {}) };
  assertOrdered(plan);
  return plan;
}

/** Options of `ip link add` that can be set at creation, saving a step. */
function linkOptions(e: End): string[] {
  const opts: string[] = [];
  if (e.mac !== undefined) opts.push('address', e.mac);
  if (e.mtu !== undefined) opts.push('mtu', String(e.mtu));
  if (e.txqueuelen !== undefined) opts.push('txqueuelen', String(e.txqueuelen));
  return opts;
}

/**
 * Each end of a tunnel: created in the node that carries it (its UDP
 * socket stays in that namespace for good), then, if bridged, moved into
 * the bridge's namespace. Created before any address exists: the kernel
 * binds the socket when the device comes up, and sends from `local` once
 * the address is there (tried on kernel 6.18).
 */
function vxlanSteps(link: Link, nsOf: Map<string, string>, add: (s: Step) => void): void {
  const vx = link.vxlan!;
  vx.tunnel.forEach((t, j) => {
    const end = link.ends[j]!;
    const id = `vxlan:${link.index}:${j}`;
    add({
      id, ns: t.ns, deps: [`netns:${t.node}`], source: link.loc,
      argv: ['ip', 'link', 'add', 'name', t.ifname, ...linkOptions(end), 'type', 'vxlan', 'id', String(vx.vni), 'local', t.local, 'remote', t.remote, 'dstport', String(vx.port)],
      why: `vxlan ${t.node}:${t.ifname} (VNI ${vx.vni}) from ${t.local} to ${t.remote}`,
    });
    if (t.bridge) {
      add({ id: `vxmove:${link.index}:${j}`, ns: t.ns, deps: [id, `netns:${t.bridge}`], source: link.loc, argv: ['ip', 'link', 'set', 'dev', t.ifname, 'netns', nsOf.get(t.bridge)!], why: `vxlan ${t.ifname} into bridge ${t.bridge}'s namespace` });
    }
  });
}

/**
 * One host's end of a tunnel to other hosts (a lab spread over hosts):
 * created from the host's own namespace, so its UDP socket stays there on
 * the underlay address, directly in the node that uses it (`ip link add …
 * netns`). A cut link has one remote; a bridge spread over k hosts has k−1,
 * reached by head-end replication: an all-zeros FDB entry per remote host
 * floods broadcast and unknown frames to each, and learning finds the rest.
 */
function crossHostSteps(t: CrossHostTunnel, nsOf: Map<string, string>, add: (s: Step) => void): void {
  const id = crossHostStepId(t);
  const ns = nsOf.get(t.end.node)!;
  const single = t.remotes.length === 1 ? ['remote', t.remotes[0]!] : [];
  add({
    id, ns: null, deps: [`netns:${t.end.node}`], source: t.loc,
    argv: ['ip', 'link', 'add', 'name', t.end.ifname, 'netns', ns, ...linkOptions(t.end), 'type', 'vxlan', 'id', String(t.vni), 'local', t.local, ...single, 'dstport', String(t.port)],
    why: `tunnel ${t.end.node}:${t.end.ifname} to ${t.remotes.join(', ')} (VNI ${t.vni})`,
  });
  if (single.length) return;
  for (const r of t.remotes) {
    add({ id: `${id}:fdb:${r}`, ns, deps: [id], source: t.loc, argv: ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', t.end.ifname, 'dst', r], why: `flood ${t.end.node}'s broadcasts to ${r}` });
  }
}

const crossHostStepId = (t: CrossHostTunnel) => `hostvx:${t.end.node}:${t.end.ifname}`;

/** The step after which an interface exists where it belongs: its veth pair, tunnel end, or host veth. */
function vethStepOf(graph: LabGraph, iface: string): string {
  const a = graph.getNodeAttributes(iface) as IfaceAttrs;
  if (a.host) return `hostveth:${a.bridge!.name}`;
  if (a.tunnel) return crossHostStepId(a.tunnel);
  const edge = graph.getEdgeAttributes(graph.undirectedEdges(iface)[0]!);
  if (edge.type !== 'veth') throw new Error(`graph bug: ${iface} has no veth`);
  if (a.link?.vxlan) {
    const j = a.link.ends.indexOf(a.end!);
    return `${a.link.vxlan.tunnel[j]!.bridge ? 'vxmove' : 'vxlan'}:${edge.linkIndex}:${j}`;
  }
  return `veth:${edge.linkIndex}`;
}

/**
 * Loopback up, tagged `nslab:<lab>`: the tag is how `down` recognises the
 * lab's namespaces from the kernel alone (lab `a` must not take lab `a-b`'s).
 */
function loopbackStep(lab: Lab, node: LabNode, after: string[] = []): Step {
  return { id: `lo:${node.name}`, ns: node.ns, argv: ['ip', 'link', 'set', 'dev', 'lo', 'alias', hostTag(lab.name), 'up'], deps: [`netns:${node.name}`, ...after], why: 'loopback up, tagged with the lab', source: node.loc };
}

function netnsSteps(lab: Lab, graph: LabGraph, node: NetnsNode, add: (s: Step) => void): void {
  const ns = node.ns;
  const ifaces = interfacesIn(graph, nsVertex(node.name)).map((v) => graph.getNodeAttributes(v) as IfaceAttrs);
  // An interface is ready to configure once its veth exists and, if its peer
  // is a bridge port, once that port is enslaved and up: an interface that
  // comes up before its bridge port loses its first ARP exchange and the
  // first packet takes a second (measured on kernel 6.18).
  const vethDeps = ifaces.map((i) => {
    const v = ifVertex(i.owner, i.ifname);
    const peer = graph.getNodeAttributes(peerOf(graph, v)) as IfaceAttrs;
    const port = peer.end?.kind === 'bridge' ? [portReadyId(peer.owner, peer.ifname, peer.end)] : [];
    return [vethStepOf(graph, v), ...port];
  });
  const allVethDeps = vethDeps.flat();
  const nsDep = `netns:${node.name}`;

  // Sysctls first, then every ip step: the executor runs a namespace's
  // consecutive steps of one tool as one process, so this order costs two
  // processes, not three.
  const sysctlIds = node.sysctls.map((s) => {
    const id = `sysctl:${node.name}:${s.key}`;
    add({ id, ns, argv: ['sysctl', '-w', `${s.key}=${s.value}`], deps: [nsDep, ...allVethDeps], why: `sysctl ${s.key}`, source: s.loc });
    return id;
  });
  // After the veth pairs, so the namespace is configured in one go rather
  // than woken once for its loopback and again for its interfaces.
  add(loopbackStep(lab, node, allVethDeps));
  const readyIds: string[] = [];
  for (const [i, iface] of ifaces.entries()) {
    const end = iface.end!;
    const addrIds = end.addresses.map((a) => {
      const id = `addr:${node.name}:${end.ifname}:${a.text}`;
      // nodad: a lab's addresses are unique by validation; waiting ~2 s for
      // IPv6 duplicate detection would only delay the first checks.
      const argv: Step['argv'] = ['ip', 'addr', 'add', a.text, 'dev', end.ifname, ...(a.cidr.family === 6 ? ['nodad'] : [])];
      add({ id, ns, argv, deps: vethDeps[i]!, why: `${a.auto ? 'IPAM address' : 'address'} on ${end.ifname}`, source: a.loc });
      return id;
    });
    const upId = `up:${node.name}:${end.ifname}`;
    // Without IPv6 on the interface, skip link-local generation: it costs a
    // DAD/MLD exchange per interface for nothing (see DESIGN.md).
    const v6 = end.addresses.some((a) => a.cidr.family === 6);
    const gen = v6 ? [] : [noLinkLocal(`gen:${node.name}:${end.ifname}`, ns, end.ifname, vethDeps[i]!, end.loc, add)];
    const promisc = end.promisc !== undefined ? ['promisc', end.promisc ? 'on' : 'off'] : [];
    add({ id: upId, ns, argv: ['ip', 'link', 'set', 'dev', end.ifname, ...promisc, 'up'], deps: [...vethDeps[i]!, ...sysctlIds, ...addrIds, ...gen], why: `${end.ifname} up`, source: end.loc });
    readyIds.push(...addrIds, upId);
    for (const v of end.vlanIfs ?? []) readyIds.push(...vlanInterfaceSteps(node, end, v, [upId, ...sysctlIds], add));
    if (end.netem) impairmentSteps(node.name, ns, end, vethDeps[i]!, add);
  }
  for (const r of node.routes) {
    // `default` takes its family from the gateway (an `ip -6` option would not survive `ip -batch`).
    const v6default = r.dest.family === 6 && r.to === 'default';
    const metric = r.metric !== undefined ? ['metric', String(r.metric)] : [];
    add({ id: routeStepId(node.name, r), ns, argv: ['ip', 'route', 'add', r.to, 'via', r.viaText, ...metric], deps: [...readyIds], why: `route to ${v6default ? 'default (IPv6)' : r.to}${r.metric !== undefined ? ` (metric ${r.metric})` : ''}`, source: r.loc });
  }
}

/** `eth0.10`: the VLAN interface, its addresses, up — once its trunk interface is up. */
function vlanInterfaceSteps(node: NetnsNode, trunk: End, v: VlanInterface, after: string[], add: (s: Step) => void): string[] {
  const ns = node.ns;
  const linkId = `vlanif:${node.name}:${v.ifname}`;
  add({ id: linkId, ns, argv: ['ip', 'link', 'add', 'link', trunk.ifname, 'name', v.ifname, 'type', 'vlan', 'id', String(v.vid)], deps: after, why: `VLAN ${v.vid} on ${trunk.ifname}`, source: v.loc });
  const addrIds = v.addresses.map((a) => {
    const id = `addr:${node.name}:${v.ifname}:${a.text}`;
    add({ id, ns, argv: ['ip', 'addr', 'add', a.text, 'dev', v.ifname, ...(a.cidr.family === 6 ? ['nodad'] : [])], deps: [linkId], why: `address on ${v.ifname}`, source: a.loc });
    return id;
  });
  const upId = `up:${node.name}:${v.ifname}`;
  const v6 = v.addresses.some((a) => a.cidr.family === 6);
  const gen = v6 ? [] : [noLinkLocal(`gen:${node.name}:${v.ifname}`, ns, v.ifname, [linkId], v.loc, add)];
  add({ id: upId, ns, argv: ['ip', 'link', 'set', 'dev', v.ifname, 'up'], deps: [linkId, ...addrIds, ...gen], why: `${v.ifname} up`, source: v.loc });
  return [...addrIds, upId];
}

/**
 * `addrgenmode none`, a step of its own before the interface goes up. In the
 * same request as `up` it comes too late: the kernel applies the mode after
 * the flags, and an interface brought up before the kernel's link watch has
 * seen it (a bridge just made, the second end of a veth) is ready for IPv6
 * at once — it had a link-local address, and with it DAD and MLD traffic,
 * on every bridge of every lab.
 */
function noLinkLocal(id: string, ns: string, dev: string, deps: string[], source: Step['source'], add: (s: Step) => void): string {
  add({ id, ns, argv: ['ip', 'link', 'set', 'dev', dev, 'addrgenmode', 'none'], deps, why: `no IPv6 link-local address on ${dev}`, source });
  return id;
}

/** A route's step id: node, destination (`default6` for IPv6's default) and metric. */
export function routeStepId(node: string, r: Route): string {
  const v6default = r.dest.family === 6 && r.to === 'default';
  return `route:${node}:${r.to}${v6default ? '6' : ''}${r.metric !== undefined ? `:${r.metric}` : ''}`;
}

function bridgeSteps(lab: Lab, graph: LabGraph, node: BridgeNode, add: (s: Step) => void): void {
  const ns = node.ns;
  const brId = `bridge:${node.name}`;
  const opts = [...(node.mtu !== undefined ? ['mtu', String(node.mtu)] : []), ...(node.txqueuelen !== undefined ? ['txqueuelen', String(node.txqueuelen)] : [])];
  add(loopbackStep(lab, node));
  add({ id: brId, ns, argv: ['ip', 'link', 'add', 'name', node.device, ...opts, 'type', 'bridge', ...bridgeOptionWords(node.options)], deps: [`netns:${node.name}`], why: `bridge ${node.name}`, source: node.loc });
  // A bridge namespace carries no IP: no link-local addresses on the bridge or its ports.
  const gen = noLinkLocal(`gen:${node.name}`, ns, node.device, [brId], node.loc, add);
  add({ id: `up:${node.name}`, ns, argv: ['ip', 'link', 'set', 'dev', node.device, 'up'], deps: [brId, gen], why: `bridge ${node.name} up`, source: node.loc });
  for (const v of interfacesIn(graph, nsVertex(node.name))) {
    const iface = graph.getNodeAttributes(v) as IfaceAttrs;
    const source = iface.end?.loc ?? iface.host!.loc;
    const peer = graph.getNodeAttributes(peerOf(graph, v));
    const to = peer.type === 'remote' ? `other hosts: ${peer.tunnel.remotes.join(', ')}` : peer.type === 'interface' && peer.owner !== 'host' ? `${peer.owner}:${peer.ifname}` : 'the host';
    const gen = noLinkLocal(`gen:${node.name}:${iface.ifname}`, ns, iface.ifname, [vethStepOf(graph, v)], source, add);
    add({
      id: `port:${node.name}:${iface.ifname}`,
      ns,
      argv: ['ip', 'link', 'set', 'dev', iface.ifname, 'master', node.device, 'up'],
      deps: [vethStepOf(graph, v), brId, gen],
      why: `port ${iface.ifname} of ${node.name} (to ${to})`,
      source,
    });
    if (iface.end) for (const s of portOptionSteps(node.name, ns, iface.ifname, iface.end, source)) add(s);
    if (iface.end?.netem) impairmentSteps(node.name, ns, iface.end, [vethStepOf(graph, v)], add);
  }
}

function plannedService(ns: string, s: Service): PlannedService {
  const r = s.ready;
  const ready = r.kind === 'tcp' || r.kind === 'udp' ? `${r.kind}/${r.port} open` : r.kind === 'stdout' ? `output matches /${r.pattern}/` : r.kind === 'cmd' ? `\`${commandText(r.cmd)}\` succeeds` : 'running';
  return { id: s.id, ns, command: commandText(s.cmd), ready: `${ready}, within ${r.timeoutMs / 1000} s`, source: s.loc };
}

/** How long a setup command may take before the deploy fails. */
export const SETUP_TIMEOUT_MS = 120_000;

/**
 * The nft ruleset, then the setup commands in order, in the node (`ip netns
 * exec`, so names resolve through the lab's hosts file), in the topology's
 * folder. Each waits for the one before it.
 */
function softwareSteps(lab: Lab, node: NetnsNode, nodeDir: string, configured: string[], add: (s: Step) => void): void {
  const env = { NSLAB_LAB: lab.name, NSLAB_NODE: node.name, NSLAB_DIR: nodeDir };
  let prev = configured;
  if (node.nft) {
    const id = `nft:${node.name}`;
    const file = node.nft.file;
    add({
      id, ns: null, deps: prev, why: `nftables ruleset of ${node.name}`, source: node.nft.loc,
      argv: ['ip', 'netns', 'exec', node.ns, 'nft', '-f', file ?? '-'],
      command: { cwd: lab.dir, env, ...(node.nft.text ? { input: node.nft.text } : {}), timeoutMs: 30_000, needs: ['nft'] },
    });
    prev = [id];
  }
  node.setup.forEach((s, i) => {
    const id = `setup:${node.name}:${i + 1}`;
    add({
      id, ns: null, deps: prev, why: `setup of ${node.name}: ${commandText(s.cmd)}`, source: s.loc,
      argv: ['ip', 'netns', 'exec', node.ns, ...commandArgv(s.cmd)],
      command: { cwd: lab.dir, env, timeoutMs: SETUP_TIMEOUT_MS, needs: [] },
    });
    prev = [id];
  });
}

/** netem (and its token bucket) on one end; each qdisc needs the one above it. */
function impairmentSteps(owner: string, ns: string, end: End, deps: string[], add: (s: Step) => void): void {
  const netem = end.netem!;
  let prev: string[] = deps;
  for (const argv of qdiscCommands(end.ifname, netem.spec, end.mtu)) {
    const kind = argv.at(argv.indexOf('handle') + 2)!;
    const id = `${kind}:${owner}:${end.ifname}`;
    add({ id, ns, argv, deps: prev, why: `${kind} on ${end.ifname}`, source: netem.loc });
    prev = [id];
  }
}

/** The host side of a bridge's host attachment: the only steps that touch the host's own namespace. */
function hostAttachmentHostSteps(lab: Lab, node: BridgeNode, h: HostAttachment, add: (s: Step) => void): void {
  const vethId = `hostveth:${node.name}`;
  const tag = hostTag(lab.name);
  add({ id: vethId, ns: null, argv: ['ip', 'link', 'add', 'name', h.hostIf, 'type', 'veth', 'peer', 'name', h.portIf, 'netns', node.ns], deps: [`netns:${node.name}`], why: `veth host <-> bridge ${node.name}`, source: h.loc });
  // The alias is the tag `down` finds the interface by when no state is left.
  add({ id: `hostalias:${node.name}`, ns: null, argv: ['ip', 'link', 'set', 'dev', h.hostIf, 'alias', `${tag}:${node.name}`], deps: [vethId], why: `tag ${h.hostIf} as part of lab ${lab.name}`, source: h.loc });
  add({ id: `hostaddr:${node.name}`, ns: null, argv: ['ip', 'addr', 'add', h.address.text, 'dev', h.hostIf, ...(h.address.cidr.family === 6 ? ['nodad'] : [])], deps: [vethId], why: `host gateway address for ${node.name}`, source: h.address.loc });
  add({ id: `hostup:${node.name}`, ns: null, argv: ['ip', 'link', 'set', 'dev', h.hostIf, 'up'], deps: [`hostalias:${node.name}`, `hostaddr:${node.name}`], why: `${h.hostIf} up`, source: h.loc });
  if (h.nat) {
    const subnet = formatCidr({ ...h.address.cidr, value: networkOf(h.address.cidr) });
    add({ id: `hostfwd:${node.name}`, ns: null, argv: ['sysctl', '-w', `net.ipv4.conf.${h.hostIf}.forwarding=1`], deps: [vethId], why: `forward traffic arriving from ${node.name}`, source: h.loc });
    add({ id: `hostnat:${node.name}`, ns: null, argv: ['iptables', '-w', '-t', 'nat', '-A', ...natRuleSpec(subnet, h.hostIf, tag)], deps: [vethId], why: `masquerade ${subnet} leaving the host`, source: h.loc });
  }
  for (const p of h.publish) {
    publishRuleSpecs(p, tag).forEach((rule, k) => {
      add({ id: `publish:${node.name}:${p.proto}/${p.hostPort}:${rule[0]}`, ns: null, argv: ['iptables', '-w', '-t', 'nat', '-A', ...rule], deps: k === 0 ? [] : [`publish:${node.name}:${p.proto}/${p.hostPort}:PREROUTING`], why: `publish host port ${p.hostPort}/${p.proto} to ${p.node} ${p.target}:${p.port}${k === 1 ? ' (connections from the host itself)' : ''}`, source: p.loc });
    });
  }
}
