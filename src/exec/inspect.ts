/**
 * Read a lab back from the kernel: per namespace, links with their addresses
 * (`ip -j -d addr show`), IPv4/IPv6 routes, qdiscs, and what the lab asks
 * for beyond that — nftables tables, bridge VLANs, its sysctls. One bash
 * process reads many namespaces (same reason as the executor's bundles);
 * namespace names are arguments, never shell code.
 *
 * Each process costs, and a namespace took 14 of them (an `nsenter` and a
 * tool for each of 7 readings): `status --verify` of the 1000-host star
 * took 87 s on a machine where a process costs ≈ 7 ms. Now a namespace is
 * entered once: links and addresses come from one `ip -d addr show`;
 * routes, qdiscs, nftables and bridge VLANs are read only where the lab asks
 * for them (a qdisc nobody asked for is still seen: see inspectLab), by a
 * bash inside the namespace that also reads the sysctls itself. The
 * 1000-host star: 13 s. Waiting for carrier needs only the links.
 */
import pLimit from 'p-limit';
import { impairmentsOf, parseQdiscs, type Impairment } from '../impair/readback.js';
import { dumpedLinks } from '../netlink/decode.js';
import { linksQuery, sysctlPath } from '../netlink/encode.js';
import type { InProcess } from '../netlink/native.js';
import type { Lab } from '../topology/model.js';
import { NETNS_DIR } from './batch.js';
import type { Runner } from './runner.js';

export interface ObservedLink {
  ifname: string;
  mtu: number;
  txqlen?: number;
  flags: string[];
  operstate?: string;
  master?: string;
  ifalias?: string;
  qdisc?: string;
  addresses: string[];
  /** the MAC address */
  address?: string;
  /** `ip -d`'s linkinfo: the kind (bridge, veth, vxlan, vlan), its settings, and a port's bridge settings */
  kind?: string;
  info?: Record<string, unknown>;
  port?: Record<string, unknown>;
}

/** A bridge port's VLAN membership (`bridge vlan show`). */
export interface ObservedVlan {
  vid: number;
  pvid: boolean;
  untagged: boolean;
}

export interface ObservedRoute {
  dst: string;
  gateway?: string;
  metric?: number;
  family: 4 | 6;
}

export interface ObservedNamespace {
  ns: string;
  links: ObservedLink[];
  routes: ObservedRoute[];
  sysctls: Record<string, string>;
  /** interfaces carrying netem or tbf */
  impairments: Impairment[];
  /** nftables tables, `family name` (nft's own words) */
  nftTables: string[];
  /** bridge ports' VLANs, by port */
  vlans: Map<string, ObservedVlan[]>;
}

/** Run inside a namespace: "$1" is `flags|key=path …` (see readingsOf). */
const INSIDE_SCRIPT = [
  'flags=" ${1%%|*} " keys=${1#*|}',
  "printf '@@links\\n'; ip -j -d addr show",
  "case $flags in *' routes '*) printf '\\n@@routes4\\n'; ip -j -4 route show; printf '\\n@@routes6\\n'; ip -j -6 route show;; esac",
  "case $flags in *' tc '*) printf '\\n@@qdiscs\\n'; tc -j qdisc show;; esac",
  "case $flags in *' nft '*) printf '\\n@@nft\\n'; nft list tables;; esac",
  "case $flags in *' vlans '*) printf '\\n@@vlans\\n'; bridge -j vlan show;; esac",
  "printf '\\n@@sysctls\\n'",
  // bash reads /proc/sys itself, inside the namespace: no process per key
  'for kp in $keys; do v=; read -r v < "${kp#*=}"; printf \'%s=%s\\n\' "${kp%%=*}" "$v"; done',
].join('\n');

/** On the host: "$1" is INSIDE_SCRIPT, then one `ns|readings` per namespace; links alone need no bash inside. */
const INSPECT_SCRIPT = [
  'inside=$1; shift',
  'for arg do',
  '  ns=${arg%%|*} what=${arg#*|}',
  "  printf '@@nslab-ns %s\\n' \"$ns\"",
  `  if [ "$what" = '|' ]; then printf '@@links\\n'; nsenter --net=${NETNS_DIR}/"$ns" ip -j -d addr show 2>/dev/null`,
  `  else nsenter --net=${NETNS_DIR}/"$ns" bash -c "$inside" nslab-inspect "$what" 2>/dev/null; fi`,
  "  printf '\\n'",
  'done',
].join('\n');

/** What a node's namespace needs read beyond its links, given what the lab asks of it. */
export interface Readings {
  routes: boolean;
  /** qdiscs: impairments are expected (those nobody asked for show as a root qdisc on a link; see inspectLab) */
  tc: boolean;
  nft: boolean;
  vlans: boolean;
  sysctls: string[];
}

/** The argument the scripts take for a namespace: `flags|key=path …`. */
export function readingsArg(r: Readings): string {
  const flags = (['routes', 'tc', 'nft', 'vlans'] as const).filter((f) => r[f]);
  return `${flags.join(' ')}|${r.sysctls.map((k) => `${k}=${sysctlPath(k)}`).join(' ')}`;
}

/** What verify compares, node by node. */
export function readingsOf(lab: Lab): Map<string, Readings> {
  const ends = new Map<string, { vlans: boolean; tc: boolean }>();
  for (const e of lab.links.flatMap((l) => l.ends)) {
    const x = ends.get(e.node) ?? { vlans: false, tc: false };
    ends.set(e.node, { vlans: x.vlans || e.port?.pvid !== undefined || !!e.port?.tagged, tc: x.tc || e.netem !== undefined });
  }
  return new Map(lab.nodes.map((n) => {
    const e = ends.get(n.name);
    const netns = n.kind === 'netns' ? n : undefined;
    return [n.name, { routes: !!netns?.routes.length, tc: !!e?.tc, nft: !!netns?.nft, vlans: n.kind === 'bridge' || !!e?.vlans, sysctls: netns?.sysctls.map((s) => s.key) ?? [] }];
  }));
}

const NONE: Readings = { routes: false, tc: false, nft: false, vlans: false, sysctls: [] };
/** Root qdiscs a link has when nobody set one. */
const DEFAULT_QDISCS = new Set(['noqueue', 'noop']);

/**
 * Inspect every namespace of a lab; `only: 'links'` reads the links alone
 * (flags, carrier, qdisc, addresses), for waiting on them. A namespace whose
 * qdiscs were not asked for but whose links show one is read again with
 * them, so an impairment nobody asked for is still seen.
 */
export async function inspectLab(lab: Lab, runner: Runner, opts: { chunk?: number; concurrency?: number; only?: 'links'; inProcess?: InProcess } = {}): Promise<Map<string, ObservedNamespace>> {
  if (opts.only === 'links' && opts.inProcess) return linksInProcess(lab, opts.inProcess);
  const readings = opts.only === 'links' ? new Map<string, Readings>() : readingsOf(lab);
  const targets = lab.nodes.map((n) => ({ ns: n.ns, readings: readings.get(n.name) ?? NONE }));
  const result = await readNamespaces(targets, runner, opts);
  if (opts.only === 'links') return result;
  const again = targets.filter((t) => !t.readings.tc && result.get(t.ns)?.links.some((l) => l.qdisc && !DEFAULT_QDISCS.has(l.qdisc)));
  const reread = await readNamespaces(again.map((t) => ({ ns: t.ns, readings: { ...t.readings, tc: true } })), runner, opts);
  for (const [ns, o] of reread) result.set(ns, o);
  return result;
}

/**
 * The links alone, in process: a netlink dump from a thread inside each
 * namespace, no process at all. Waiting for the 1000-host star's carrier
 * read 11.6 s through `nsenter … ip` on a machine where a process costs
 * ≈ 7 ms. A namespace that cannot be entered is left out, as one whose
 * reading failed is on the other path.
 */
async function linksInProcess(lab: Lab, inProcess: InProcess): Promise<Map<string, ObservedNamespace>> {
  const query = linksQuery();
  const answers = await Promise.all(lab.nodes.map((n) => inProcess.query(n.ns, query)));
  const result = new Map<string, ObservedNamespace>();
  lab.nodes.forEach((n, i) => {
    const answer = answers[i]!;
    if (typeof answer === 'string') return;
    const links = dumpedLinks(answer).map((l) => ({ ...l, mtu: l.mtu ?? 0, addresses: [] }));
    result.set(n.ns, { ns: n.ns, links, routes: [], sysctls: {}, impairments: [], nftTables: [], vlans: new Map() });
  });
  return result;
}

async function readNamespaces(targets: { ns: string; readings: Readings }[], runner: Runner, opts: { chunk?: number; concurrency?: number }): Promise<Map<string, ObservedNamespace>> {
  const chunk = opts.chunk ?? 64;
  const limit = pLimit(opts.concurrency ?? 4);
  const args = targets.map((t) => `${t.ns}|${readingsArg(t.readings)}`);
  const chunks: string[][] = [];
  for (let i = 0; i < args.length; i += chunk) chunks.push(args.slice(i, i + chunk));
  const outputs = await Promise.all(chunks.map((c) => limit(() => runner.run({ argv: ['bash', '-c', INSPECT_SCRIPT, 'nslab-inspect', INSIDE_SCRIPT, ...c] }))));
  const result = new Map<string, ObservedNamespace>();
  for (const out of outputs) for (const ns of parseInspection(out.stdout)) result.set(ns.ns, ns);
  return result;
}

/** Pure: the script's output → observations. Tested on captured output. */
export function parseInspection(stdout: string): ObservedNamespace[] {
  const result: ObservedNamespace[] = [];
  for (const block of stdout.split(/^@@nslab-ns /m).slice(1)) {
    const ns = block.slice(0, block.indexOf('\n'));
    const section = (name: string) => {
      const m = new RegExp(`^@@${name}\\n([\\s\\S]*?)(?=^@@|(?![\\s\\S]))`, 'm').exec(block);
      return m?.[1]?.trim() ?? '';
    };
    const json = <T>(text: string): T[] => {
      try {
        return text ? (JSON.parse(text) as T[]) : [];
      } catch {
        return [];
      }
    };
    type RawLink = {
      ifname: string; mtu: number; txqlen?: number; flags: string[]; operstate?: string; master?: string; ifalias?: string; qdisc?: string; address?: string;
      addr_info?: { local: string; prefixlen: number }[];
      linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_data?: Record<string, unknown> };
    };
    type RawVlans = { ifname: string; vlans?: { vlan: number; vlanEnd?: number; flags?: string[] }[] };
    type RawRoute = { dst: string; gateway?: string; metric?: number };
    const links = json<RawLink>(section('links')).map((l) => ({
      ifname: l.ifname, mtu: l.mtu, txqlen: l.txqlen, flags: l.flags, operstate: l.operstate, master: l.master, ifalias: l.ifalias, qdisc: l.qdisc,
      addresses: (l.addr_info ?? []).map((i) => `${i.local}/${i.prefixlen}`), address: l.address,
      kind: l.linkinfo?.info_kind, info: l.linkinfo?.info_data, port: l.linkinfo?.info_slave_data,
    }));
    const vlans = new Map<string, ObservedVlan[]>();
    for (const port of json<RawVlans>(section('vlans'))) {
      vlans.set(port.ifname, (port.vlans ?? []).flatMap((v) => {
        const flags = v.flags ?? [];
        const out: ObservedVlan[] = [];
        for (let vid = v.vlan; vid <= (v.vlanEnd ?? v.vlan); vid++) out.push({ vid, pvid: flags.includes('PVID'), untagged: flags.includes('Egress Untagged') });
        return out;
      }));
    }
    const routes = [
      ...json<RawRoute>(section('routes4')).map((r) => ({ dst: r.dst, gateway: r.gateway, metric: r.metric, family: 4 as const })),
      ...json<RawRoute>(section('routes6')).map((r) => ({ dst: r.dst, gateway: r.gateway, metric: r.metric, family: 6 as const })),
    ];
    const sysctls: Record<string, string> = {};
    for (const line of section('sysctls').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) sysctls[line.slice(0, eq)] = line.slice(eq + 1).trim();
    }
    let impairments: Impairment[] = [];
    try {
      impairments = impairmentsOf(parseQdiscs(section('qdiscs')));
    } catch {
      /* no tc output: verify reports the missing impairments, if any were asked for */
    }
    const nftTables = section('nft').split('\n').map((l) => /^table\s+(\S+)\s+(\S+)/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null).map((m) => `${m[1]} ${m[2]}`);
    result.push({ ns, links, routes, sysctls, impairments, nftTables, vlans });
  }
  return result;
}
