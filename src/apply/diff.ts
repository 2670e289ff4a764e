/**
 * The change plan: what `nslab apply` does to turn a running lab (built from
 * one topology) into another, as data a person reads before anything
 * happens. Pure: two Labs in, a ChangePlan out.
 *
 * Objects whose identity holds (keys.ts) are changed in place and nothing
 * else of them is touched; new ones get exactly the steps the creation plan
 * of the new topology has for them (so `apply` builds an object the way `up`
 * would); removed ones are deleted. Three phases: removals (an address
 * moving from one interface to another must leave before it arrives), then
 * changes in place (a qdisc replaced goes before its successor is added, a
 * bridge starts filtering VLANs before its ports get them), then creations,
 * ordered by the creation plan's own dependencies.
 */
import type { SourceLoc } from '../diagnostics.js';
import { creationPlan, routeStepId } from '../compile/create.js';
import { hostRuleSpecs, publishRuleSpecs } from '../compile/nat.js';
import type { Plan, Step } from '../compile/plan.js';
import { bridgeOptionWords } from '../topology/bridge-options.js';
import type { BridgeNode, End, Lab, LabNode, Link, NetnsNode, PortOptions, Service } from '../topology/model.js';
import { hostTag } from '../topology/names.js';
import { endKey, isQdiscStepOf, isStepOfEnd, isStepOfHost, isStepOfLinkDevice, isStepOfNode, linkKey, pairEnds } from './keys.js';
import { membership, portChangeSteps } from './ports.js';

export interface Change {
  op: '+' | '-' | '~';
  /** the object, in words: `node r3`, `link r1:eth2 <-> r3:eth0`, `r1:eth0 mtu` */
  what: string;
  /** for a change: from → to */
  detail?: string;
  /** where in the new topology (the old one for a removal) */
  loc: SourceLoc;
}

export interface ChangePlan {
  lab: string;
  file: string;
  changes: Change[];
  /** what apply leaves as it is, and why (a removed sysctl keeps its value) */
  notes: string[];
  /** run in this order: removals, changes in place, creations */
  remove: Plan;
  edit: Plan;
  create: Plan;
  services: { stop: string[]; start: Service[] };
}

export interface ChangeOptions {
  /** the lab's run folder, as `up` used it */
  runDir?: string;
  /** nodes whose nft file changed on disk since the lab was built */
  nftChanged?: ReadonlySet<string>;
}

export function changePlan(from: Lab, to: Lab, opts: ChangeOptions = {}): ChangePlan {
  const d = new Differ(from, to, opts);
  d.nodes();
  d.links();
  d.services();
  return d.result();
}

/** True when a change plan would do nothing. */
export const isEmpty = (c: ChangePlan) => c.changes.length === 0;

class Differ {
  readonly changes: Change[] = [];
  readonly notes: string[] = [];
  readonly removals: Step[] = [];
  readonly edits: Step[] = [];
  /** ids of steps of the new creation plan to run */
  readonly selected = new Set<string>();
  readonly created: Plan;
  readonly stop = new Set<string>();
  readonly start: Service[] = [];
  readonly fromNodes: Map<string, LabNode>;
  readonly toNodes: Map<string, LabNode>;

  constructor(readonly from: Lab, readonly to: Lab, readonly opts: ChangeOptions) {
    this.created = creationPlan(to, undefined, { runDir: opts.runDir });
    this.fromNodes = new Map(from.nodes.map((n) => [n.name, n]));
    this.toNodes = new Map(to.nodes.map((n) => [n.name, n]));
  }

  private select(pred: (id: string) => boolean): void {
    for (const s of this.created.steps) if (pred(s.id)) this.selected.add(s.id);
  }

  private kept(name: string): boolean {
    const a = this.fromNodes.get(name);
    const b = this.toNodes.get(name);
    return a !== undefined && b !== undefined && a.kind === b.kind;
  }

  nodes(): void {
    for (const n of this.from.nodes) {
      if (this.kept(n.name)) continue;
      this.changes.push({ op: '-', what: `${n.kind === 'bridge' ? 'bridge' : 'node'} ${n.name}`, loc: n.loc });
      if (n.kind === 'bridge' && n.host) this.removeHost(n);
      // Its processes are stopped by apply before the namespace goes (a process would keep it alive, nameless).
      this.removals.push({ id: `netns:${n.name}`, ns: null, argv: ['ip', 'netns', 'del', n.ns], deps: [], why: `delete ${n.name} and everything in it`, ifAbsent: 'ok', source: n.loc });
    }
    for (const n of this.to.nodes) {
      if (!this.kept(n.name)) {
        this.changes.push({ op: '+', what: `${n.kind === 'bridge' ? 'bridge' : 'node'} ${n.name}`, loc: n.loc });
        this.select((id) => isStepOfNode(id, n.name) || (n.kind === 'bridge' && n.host !== undefined && (isStepOfHost(id, n.name) || id === `port:${n.name}:${n.host.portIf}`)));
        continue;
      }
      const old = this.fromNodes.get(n.name)!;
      if (n.kind === 'netns') this.netnsNode(old as NetnsNode, n);
      else this.bridgeNode(old as BridgeNode, n);
    }
  }

  private netnsNode(old: NetnsNode, n: NetnsNode): void {
    const oldSysctls = new Map(old.sysctls.map((s) => [s.key, s.value]));
    for (const s of n.sysctls) {
      if (oldSysctls.get(s.key) === s.value) continue;
      this.changes.push({ op: oldSysctls.has(s.key) ? '~' : '+', what: `${n.name} sysctl ${s.key}`, detail: oldSysctls.has(s.key) ? `${oldSysctls.get(s.key)} → ${s.value}` : s.value, loc: s.loc });
      this.selected.add(`sysctl:${n.name}:${s.key}`);
    }
    for (const s of old.sysctls) {
      if (n.sysctls.some((x) => x.key === s.key)) continue;
      this.changes.push({ op: '-', what: `${n.name} sysctl ${s.key}`, loc: s.loc });
      this.notes.push(`${n.name}: sysctl ${s.key} is no longer set by the file; it keeps its value (${s.value}) until the node is rebuilt`);
    }
    this.routes(old, n);
    const nftOld = old.nft ? JSON.stringify([old.nft.file, old.nft.text]) : undefined;
    const nftNew = n.nft ? JSON.stringify([n.nft.file, n.nft.text]) : undefined;
    if (nftOld !== nftNew || (n.nft && this.opts.nftChanged?.has(n.name))) {
      this.changes.push({ op: !nftOld ? '+' : !nftNew ? '-' : '~', what: `${n.name} nftables ruleset`, loc: (n.nft ?? old.nft)!.loc });
      // The new ruleset replaces the old at once: nft -f runs a file as one transaction.
      this.edits.push({
        id: `nftflush:${n.name}`, ns: null, deps: [], why: `flush ${n.name}'s nftables ruleset`, source: (n.nft ?? old.nft)!.loc,
        argv: ['ip', 'netns', 'exec', n.ns, 'nft', 'flush', 'ruleset'],
        command: { cwd: this.to.dir, env: {}, timeoutMs: 30_000, needs: ['nft'] },
      });
      if (n.nft) this.selected.add(`nft:${n.name}`);
    }
    if (JSON.stringify(old.setup.map((s) => s.cmd)) !== JSON.stringify(n.setup.map((s) => s.cmd))) {
      this.notes.push(`${n.name}: its setup commands changed; setup runs when a node is created, so they did not run again (remove the node and add it back to run them)`);
    }
  }

  private routes(old: NetnsNode, n: NetnsNode): void {
    const key = (r: NetnsNode['routes'][number]) => `${r.dest.family}|${r.to}|${r.metric ?? ''}`;
    const before = new Map(old.routes.map((r) => [key(r), r]));
    const after = new Map(n.routes.map((r) => [key(r), r]));
    const metric = (r: NetnsNode['routes'][number]) => (r.metric !== undefined ? ['metric', String(r.metric)] : []);
    for (const [k, r] of before) {
      const next = after.get(k);
      if (next && next.viaText === r.viaText) continue;
      if (!next) this.changes.push({ op: '-', what: `${n.name} route ${r.to}${r.metric !== undefined ? ` metric ${r.metric}` : ''}`, loc: r.loc });
      this.removals.push({ id: `routedel:${n.name}:${k}`, ns: n.ns, argv: ['ip', 'route', 'del', r.to, 'via', r.viaText, ...metric(r)], deps: [], why: `route to ${r.to} via ${r.viaText} goes`, ifAbsent: 'ok', source: r.loc });
    }
    for (const [k, r] of after) {
      const prev = before.get(k);
      if (prev && prev.viaText === r.viaText) continue;
      this.changes.push({ op: prev ? '~' : '+', what: `${n.name} route ${r.to}${r.metric !== undefined ? ` metric ${r.metric}` : ''}`, detail: prev ? `via ${prev.viaText} → via ${r.viaText}` : `via ${r.viaText}`, loc: r.loc });
      this.selected.add(routeStepId(n.name, r));
    }
  }

  private bridgeNode(old: BridgeNode, n: BridgeNode): void {
    const words = bridgeOptionWords(n.options);
    const oldWords = bridgeOptionWords(old.options);
    if (words.join(' ') !== oldWords.join(' ')) {
      // An option the file no longer sets goes back to the kernel's default.
      const defaults = bridgeOptionWords({ vlanFiltering: false, stp: false, forwardDelayCs: 1500, ageingTimeCs: 30000, mcastSnooping: true });
      const merged = new Map<string, string>();
      for (let i = 0; i < oldWords.length; i += 2) merged.set(oldWords[i]!, defaults[defaults.indexOf(oldWords[i]!) + 1]!);
      for (let i = 0; i < words.length; i += 2) merged.set(words[i]!, words[i + 1]!);
      this.changes.push({ op: '~', what: `bridge ${n.name} options`, detail: `${oldWords.join(' ') || '(defaults)'} → ${words.join(' ') || '(defaults)'}`, loc: n.loc });
      this.edits.push({ id: `bridgeopts:${n.name}`, ns: n.ns, argv: ['ip', 'link', 'set', 'dev', n.device, 'type', 'bridge', ...[...merged].flat()], deps: [], why: `bridge ${n.name} options`, source: n.loc });
    }
    if (old.mtu !== n.mtu || old.txqueuelen !== n.txqueuelen) {
      const set = [...(n.mtu !== undefined ? ['mtu', String(n.mtu)] : []), ...(n.txqueuelen !== undefined ? ['txqueuelen', String(n.txqueuelen)] : [])];
      this.changes.push({ op: '~', what: `bridge ${n.name}`, detail: describeSet(old, n), loc: n.loc });
      if (set.length) this.edits.push({ id: `bridgelink:${n.name}`, ns: n.ns, argv: ['ip', 'link', 'set', 'dev', n.device, ...set], deps: [], why: `bridge ${n.name} mtu/txqueuelen`, source: n.loc });
    }
    this.host(old, n);
  }

  /** A host attachment is rebuilt when its address or NAT changes; published ports change one by one. */
  private host(old: BridgeNode, n: BridgeNode): void {
    const shape = (b: BridgeNode) => (b.host ? JSON.stringify([b.host.hostIf, b.host.address.text, b.host.nat]) : undefined);
    if (shape(old) !== shape(n)) {
      if (old.host) this.removeHost(old);
      if (n.host) this.select((id) => isStepOfHost(id, n.name) || id === `port:${n.name}:${n.host!.portIf}`);
      this.changes.push({ op: !old.host ? '+' : !n.host ? '-' : '~', what: `bridge ${n.name} host attachment`, loc: (n.host ?? old.host)!.loc });
      return;
    }
    if (!old.host || !n.host) return;
    const tag = hostTag(this.to.name);
    const text = (p: { proto: string; hostPort: number; target: string; port: number }) => `${p.hostPort}/${p.proto} -> ${p.target}:${p.port}`;
    for (const p of old.host.publish) {
      if (n.host.publish.some((q) => text(q) === text(p))) continue;
      this.changes.push({ op: '-', what: `bridge ${n.name} publish ${p.text}`, loc: p.loc });
      publishRuleSpecs(p, tag).forEach((rule, k) => this.removals.push({ id: `publishdel:${n.name}:${p.proto}/${p.hostPort}:${k}`, ns: null, argv: ['iptables', '-w', '-t', 'nat', '-D', ...rule], deps: [], why: `stop publishing ${p.hostPort}/${p.proto}`, ifAbsent: 'ok', source: p.loc }));
    }
    for (const p of n.host.publish) {
      if (old.host.publish.some((q) => text(q) === text(p))) continue;
      this.changes.push({ op: '+', what: `bridge ${n.name} publish ${p.text}`, loc: p.loc });
      this.select((id) => id.startsWith(`publish:${n.name}:${p.proto}/${p.hostPort}:`));
    }
  }

  private removeHost(b: BridgeNode): void {
    const h = b.host!;
    const tag = hostTag(this.from.name);
    hostRuleSpecs(h, tag).forEach((rule, i) => this.removals.push({ id: `hostrule:${b.name}:${i}`, ns: null, argv: ['iptables', '-w', '-t', 'nat', '-D', ...rule], deps: [], why: `remove ${b.name}'s host rule`, ifAbsent: 'ok', source: h.loc }));
    this.removals.push({ id: `hostlink:${b.name}`, ns: null, argv: ['ip', 'link', 'del', 'dev', h.hostIf], deps: [], why: `remove ${b.name}'s host interface`, ifAbsent: 'ok', source: h.loc });
  }

  links(): void {
    const before = new Map(this.from.links.map((l) => [linkKey(l), l]));
    const after = new Map(this.to.links.map((l) => [linkKey(l), l]));
    for (const [k, l] of before) if (!after.has(k)) this.removeLink(l);
    for (const [k, l] of after) {
      const old = before.get(k);
      if (!old) {
        this.changes.push({ op: '+', what: `link ${describeLink(l)}`, loc: l.loc });
        this.select((id) => isStepOfLinkDevice(id, l.index) || l.ends.some((e) => isStepOfEnd(id, e)));
      } else {
        for (const [a, b] of pairEnds(old, l)) this.end(a, b);
      }
    }
  }

  private removeLink(l: Link): void {
    this.changes.push({ op: '-', what: `link ${describeLink(l)}`, loc: l.loc });
    // Deleting one end of a veth pair deletes both; a tunnel's two devices are apart.
    const devices = l.vxlan ? l.ends : [l.ends.find((e) => this.kept(e.node)) ?? l.ends[0]];
    for (const e of devices) {
      if (!this.kept(e.node)) continue; // goes with its namespace
      const ns = this.fromNodes.get(e.node)!.ns;
      this.removals.push({ id: `linkdel:${endKey(e)}`, ns, argv: ['ip', 'link', 'del', 'dev', e.ifname], deps: [], why: `remove ${endKey(e)}`, ifAbsent: 'ok', source: l.loc });
    }
  }

  /** One end of a link both versions have: only what differs is touched. */
  private end(a: End, b: End): void {
    const node = this.toNodes.get(b.node)!;
    const ns = node.ns;
    const where = endKey(b);
    const set: string[] = [];
    if (a.mtu !== b.mtu && b.mtu !== undefined) set.push('mtu', String(b.mtu));
    if (a.txqueuelen !== b.txqueuelen && b.txqueuelen !== undefined) set.push('txqueuelen', String(b.txqueuelen));
    if (a.mac !== b.mac && b.mac !== undefined) set.push('address', b.mac);
    if ((a.promisc ?? false) !== (b.promisc ?? false)) set.push('promisc', b.promisc ? 'on' : 'off');
    if (set.length) {
      this.changes.push({ op: '~', what: where, detail: describeSet(a, b), loc: b.loc });
      this.edits.push({ id: `link:${where}`, ns, argv: ['ip', 'link', 'set', 'dev', b.ifname, ...set], deps: [], why: `${where} settings`, source: b.loc });
    }
    if (a.mac !== b.mac && b.mac === undefined) this.notes.push(`${where}: no fixed MAC address any more; it keeps ${a.mac} until the link is rebuilt`);
    if (a.mtu !== b.mtu && b.mtu === undefined) this.notes.push(`${where}: no MTU set any more; it keeps ${a.mtu} until the link is rebuilt`);
    if (a.txqueuelen !== b.txqueuelen && b.txqueuelen === undefined) this.notes.push(`${where}: no txqueuelen set any more; it keeps ${a.txqueuelen} until the link is rebuilt`);
    this.addresses(a.addresses, b.addresses, node, b.ifname, where, b.loc);
    this.vlanInterfaces(a, b, node);
    // A pfifo in front of a shaper took its limit from txqueuelen when it
    // was made: a new txqueuelen needs a new queue to mean anything.
    const queueResized = a.txqueuelen !== b.txqueuelen && b.netem?.spec.shape?.queue === 'pfifo';
    if (JSON.stringify(a.netem?.spec) !== JSON.stringify(b.netem?.spec) || queueResized) {
      this.changes.push({ op: !a.netem ? '+' : !b.netem ? '-' : '~', what: `${where} netem`, ...(queueResized ? { detail: 'its pfifo rebuilt for the new txqueuelen' } : {}), loc: (b.netem ?? a.netem)!.loc });
      if (a.netem) this.edits.push({ id: `qdiscdel:${where}`, ns, argv: ['tc', 'qdisc', 'del', 'dev', b.ifname, 'root'], deps: [], why: `remove ${where}'s impairment`, ifAbsent: 'ok', source: a.netem.loc });
      this.select((id) => isQdiscStepOf(id, b));
    }
    const ports = portChangeSteps(b.node, ns, b.ifname, a.port, b.port, b.loc);
    if (ports.length) {
      this.changes.push({ op: '~', what: `${where} port`, detail: describePort(a.port, b.port), loc: b.loc });
      this.edits.push(...ports);
    }
  }

  private addresses(before: End['addresses'], after: End['addresses'], node: LabNode, ifname: string, where: string, loc: SourceLoc): void {
    for (const x of before) {
      if (after.some((y) => y.text === x.text)) continue;
      this.changes.push({ op: '-', what: `${where} address ${x.text}`, loc: x.auto ? loc : x.loc });
      this.removals.push({ id: `addrdel:${node.name}:${ifname}:${x.text}`, ns: node.ns, argv: ['ip', 'addr', 'del', x.text, 'dev', ifname], deps: [], why: `address ${x.text} leaves ${ifname}`, ifAbsent: 'ok', source: x.loc });
    }
    for (const y of after) {
      if (before.some((x) => x.text === y.text)) continue;
      this.changes.push({ op: '+', what: `${where} address ${y.text}`, loc: y.loc });
      this.selected.add(`addr:${node.name}:${ifname}:${y.text}`);
    }
  }

  private vlanInterfaces(a: End, b: End, node: LabNode): void {
    for (const v of a.vlanIfs ?? []) {
      if ((b.vlanIfs ?? []).some((w) => w.vid === v.vid)) continue;
      this.changes.push({ op: '-', what: `${b.node}:${v.ifname}`, loc: v.loc });
      this.removals.push({ id: `linkdel:${b.node}:${v.ifname}`, ns: node.ns, argv: ['ip', 'link', 'del', 'dev', v.ifname], deps: [], why: `remove VLAN interface ${v.ifname}`, ifAbsent: 'ok', source: v.loc });
    }
    for (const w of b.vlanIfs ?? []) {
      const v = (a.vlanIfs ?? []).find((x) => x.vid === w.vid);
      if (!v) {
        this.changes.push({ op: '+', what: `${b.node}:${w.ifname}`, loc: w.loc });
        this.select((id) => isStepOfEnd(id, { node: b.node, ifname: w.ifname }));
      } else {
        this.addresses(v.addresses, w.addresses, node, w.ifname, `${b.node}:${w.ifname}`, w.loc);
      }
    }
  }

  services(): void {
    const fields = (s: Service) => JSON.stringify([s.cmd, s.env, s.ready, s.stopMs]);
    const before = new Map(this.from.nodes.flatMap((n) => (n.kind === 'netns' ? n.services : [])).map((s) => [s.id, s]));
    const after = new Map(this.to.nodes.flatMap((n) => (n.kind === 'netns' ? n.services : [])).map((s) => [s.id, s]));
    const rebuilt = (node: string) => !this.kept(node);
    for (const [id, s] of before) {
      const next = after.get(id);
      if (next && fields(next) === fields(s) && !rebuilt(s.node)) continue;
      this.stop.add(id);
      if (!next) this.changes.push({ op: '-', what: `service ${id}`, loc: s.loc });
    }
    for (const [id, s] of after) {
      const prev = before.get(id);
      if (prev && fields(prev) === fields(s) && !rebuilt(s.node)) continue;
      this.start.push(s);
      if (!rebuilt(s.node)) this.changes.push({ op: prev ? '~' : '+', what: `service ${id}`, ...(prev ? { detail: 'restarted' } : {}), loc: s.loc });
    }
  }

  result(): ChangePlan {
    const creations = this.created.steps
      .filter((s) => this.selected.has(s.id))
      // What is not in this plan exists already: a dependency on it is met.
      .map((s) => ({ ...s, deps: s.deps.filter((d) => this.selected.has(d)) }));
    const plan = (kind: Plan['kind'], steps: Step[]): Plan => ({ kind, lab: this.to.name, file: this.to.file, steps });
    return {
      lab: this.to.name,
      file: this.to.file,
      changes: this.changes,
      notes: this.notes,
      remove: plan('teardown', this.removals),
      edit: plan('create', this.edits),
      create: plan('create', creations),
      services: { stop: [...this.stop], start: this.start },
    };
  }
}

function describeLink(l: Link): string {
  const ends = l.ends.map(endKey).join(' <-> ');
  return l.vxlan ? `${ends} (vxlan ${l.vxlan.vni})` : ends;
}

function describePort(a: PortOptions | undefined, b: PortOptions | undefined): string {
  const parts: string[] = [];
  for (const key of ['hairpin', 'isolated'] as const) if ((a?.[key] ?? false) !== (b?.[key] ?? false)) parts.push(`${key} ${b?.[key] ? 'on' : 'off'}`);
  const vlans = (p: PortOptions | undefined) => membership(p).map((m) => `${m.vid}${m.pvid ? ' untagged' : ''}`).join(', ');
  if (vlans(a) !== vlans(b)) parts.push(`VLANs ${vlans(a)} → ${vlans(b)}`);
  return parts.join(', ');
}

function describeSet(a: Pick<End, 'mtu' | 'txqueuelen'> & { mac?: string; promisc?: boolean }, b: Pick<End, 'mtu' | 'txqueuelen'> & { mac?: string; promisc?: boolean }): string {
  const parts: string[] = [];
  if (a.mtu !== b.mtu) parts.push(`mtu ${a.mtu ?? 'default'} → ${b.mtu ?? 'default'}`);
  if (a.txqueuelen !== b.txqueuelen) parts.push(`txqueuelen ${a.txqueuelen ?? 'default'} → ${b.txqueuelen ?? 'default'}`);
  if (a.mac !== b.mac) parts.push(`mac ${a.mac ?? 'random'} → ${b.mac ?? 'random'}`);
  if ((a.promisc ?? false) !== (b.promisc ?? false)) parts.push(`promisc ${b.promisc ? 'on' : 'off'}`);
  return parts.join(', ');
}
