/**
 * Read a lab back from the kernel: per namespace, links (`ip -j -d link`),
 * addresses, IPv4/IPv6 routes and the sysctls the lab sets. One bash process
 * reads many namespaces (same reason as the executor's bundles); namespace
 * names are arguments, never shell code.
 */
import pLimit from 'p-limit';
import { impairmentsOf, parseQdiscs, type Impairment } from '../impair/readback.js';
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

const INSPECT_SCRIPT = [
  'for arg do',
  '  ns=${arg%%|*} keys=${arg#*|}',
  "  printf '@@nslab-ns %s\\n' \"$ns\"",
  `  n="nsenter --net=${NETNS_DIR}/$ns"`,
  "  printf '@@links\\n'; $n ip -j -d link show",
  "  printf '\\n@@addrs\\n'; $n ip -j addr show",
  "  printf '\\n@@routes4\\n'; $n ip -j -4 route show",
  "  printf '\\n@@routes6\\n'; $n ip -j -6 route show",
  "  printf '\\n@@qdiscs\\n'; $n tc -j qdisc show 2>/dev/null",
  "  printf '\\n@@nft\\n'; $n nft list tables 2>/dev/null",
  "  printf '\\n@@vlans\\n'; $n bridge -j vlan show 2>/dev/null",
  "  printf '\\n@@sysctls\\n'",
  '  for k in $keys; do printf "%s=" "$k"; $n sysctl -n "$k" 2>/dev/null || echo; done',
  'done',
].join('\n');

/** Inspect every namespace of a lab. */
export async function inspectLab(lab: Lab, runner: Runner, opts: { chunk?: number; concurrency?: number } = {}): Promise<Map<string, ObservedNamespace>> {
  const chunk = opts.chunk ?? 64;
  const limit = pLimit(opts.concurrency ?? 4);
  const args = lab.nodes.map((n) => `${n.ns}|${n.kind === 'netns' ? n.sysctls.map((s) => s.key).join(' ') : ''}`);
  const chunks: string[][] = [];
  for (let i = 0; i < args.length; i += chunk) chunks.push(args.slice(i, i + chunk));
  const outputs = await Promise.all(chunks.map((c) => limit(() => runner.run({ argv: ['bash', '-c', INSPECT_SCRIPT, 'nslab-inspect', ...c] }))));
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
      linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_data?: Record<string, unknown> };
    };
    type RawVlans = { ifname: string; vlans?: { vlan: number; vlanEnd?: number; flags?: string[] }[] };
    type RawAddr = { ifname: string; addr_info?: { local: string; prefixlen: number }[] };
    type RawRoute = { dst: string; gateway?: string; metric?: number };
    const addrs = new Map(json<RawAddr>(section('addrs')).map((a) => [a.ifname, (a.addr_info ?? []).map((i) => `${i.local}/${i.prefixlen}`)]));
    const links = json<RawLink>(section('links')).map((l) => ({
      ifname: l.ifname, mtu: l.mtu, txqlen: l.txqlen, flags: l.flags, operstate: l.operstate, master: l.master, ifalias: l.ifalias, qdisc: l.qdisc,
      addresses: addrs.get(l.ifname) ?? [], address: l.address,
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
