/**
 * Compare a lab with what the kernel shows (inspect.ts). Pure: returns the
 * differences, each naming the namespace, the object and the YAML line that
 * asked for it. An empty list means the kernel holds exactly the lab.
 */
import { formatLoc } from '../diagnostics.js';
import { mismatches } from '../impair/readback.js';
import { formatAddress } from '../topology/ip.js';
import type { BridgeNode, Lab } from '../topology/model.js';
import { hostTag } from '../topology/names.js';
import { inspectLab, type ObservedNamespace } from './inspect.js';
import type { Runner } from './runner.js';
import { readState, STATE_DIR } from './state.js';
import { health } from '../services/supervise.js';
import { bridgeProblems, endProblems, vlanInterfaceProblems } from './verify-l2.js';

/** A service's health as `status` reads it, for verify. */
export interface ServiceHealth {
  id: string;
  running: boolean;
  stopped?: boolean;
  ended?: string;
}

/**
 * A running lab against its topology: the kernel read back, and each
 * service's health from the lab's state (effectful: the one entry point the
 * CLI and the tests use).
 */
export async function verifyRunning(lab: Lab, runner: Runner, stateDir = STATE_DIR): Promise<string[]> {
  const records = readState(lab.name, stateDir)?.services ?? [];
  const services = records.map((r) => {
    const h = health(r);
    return { id: r.id, running: h.alive, ...(r.stopped ? { stopped: true } : {}), ...(h.ended ? { ended: h.ended } : {}) };
  });
  return verifyLab(lab, await inspectLab(lab, runner), services);
}

export function verifyLab(lab: Lab, observed: Map<string, ObservedNamespace>, services: readonly ServiceHealth[] = []): string[] {
  const problems: string[] = [];
  const nodes = new Map(lab.nodes.map((n) => [n.name, n]));
  for (const node of lab.nodes) {
    const o = observed.get(node.ns);
    if (!o) {
      problems.push(`${node.ns}: namespace missing (${formatLoc(node.loc)})`);
      continue;
    }
    const lo = o.links.find((l) => l.ifname === 'lo');
    if (!lo?.flags.includes('UP')) problems.push(`${node.ns}: lo is not up`);
    if (lo?.ifalias !== hostTag(lab.name)) problems.push(`${node.ns}: lo is not tagged ${hostTag(lab.name)}`);
    if (node.kind === 'bridge') {
      const br = o.links.find((l) => l.ifname === node.device);
      if (!br) problems.push(`${node.ns}: bridge ${node.device} missing (${formatLoc(node.loc)})`);
      else if (!br.flags.includes('UP')) problems.push(`${node.ns}: bridge ${node.device} is not up`);
      if (node.mtu !== undefined && br && br.mtu !== node.mtu) problems.push(`${node.ns}: bridge mtu ${br.mtu}, expected ${node.mtu}`);
      if (br) problems.push(...bridgeProblems(node, br, `${node.ns}:${node.device}`));
    } else {
      for (const s of node.sysctls) {
        const got = o.sysctls[s.key];
        if (got !== s.value) problems.push(`${node.ns}: sysctl ${s.key} = ${got ?? '(unread)'}, expected ${s.value} (${formatLoc(s.loc)})`);
      }
      if (node.nft) {
        const missing = node.nft.tables.filter((t) => !o.nftTables.includes(t));
        if (missing.length) problems.push(`${node.ns}: nftables table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing (${formatLoc(node.nft.loc)})`);
        else if (o.nftTables.length === 0) problems.push(`${node.ns}: no nftables ruleset loaded (${formatLoc(node.nft.loc)})`);
      }
      for (const svc of node.services) {
        const h = services.find((x) => x.id === svc.id);
        if (!h) problems.push(`service ${svc.id}: never started (${formatLoc(svc.loc)})`);
        else if (!h.running && !h.stopped) problems.push(`service ${svc.id}: not running (${h.ended ?? 'ended'}) (${formatLoc(svc.loc)})`);
      }
      for (const r of node.routes) {
        const dst = r.dest.prefix === 0 ? 'default' : `${formatAddress(r.dest)}/${r.dest.prefix}`;
        // IPv6 routes carry the kernel's default metric (1024) when none is set; IPv4 ones none.
        const metricOk = (m: number | undefined) => r.metric === undefined || m === r.metric;
        const found = o.routes.find((x) => x.family === r.dest.family && x.dst === dst && x.gateway === formatAddress(r.via) && metricOk(x.metric));
        if (!found) problems.push(`${node.ns}: route ${dst} via ${formatAddress(r.via)}${r.metric !== undefined ? ` metric ${r.metric}` : ''} missing (${formatLoc(r.loc)})`);
      }
    }
  }
  for (const link of lab.links) {
    for (const end of link.ends) {
      const node = nodes.get(end.node)!;
      const o = observed.get(node.ns);
      if (!o) continue;
      const where = `${node.ns}:${end.ifname}`;
      const l = o.links.find((x) => x.ifname === end.ifname);
      if (!l) {
        problems.push(`${where}: interface missing (${formatLoc(end.loc)})`);
        continue;
      }
      if (!l.flags.includes('UP')) problems.push(`${where}: not up`);
      if (!l.flags.includes('LOWER_UP')) problems.push(`${where}: no carrier`);
      if (end.mtu !== undefined && l.mtu !== end.mtu) problems.push(`${where}: mtu ${l.mtu}, expected ${end.mtu} (${formatLoc(end.loc)})`);
      if (end.txqueuelen !== undefined && l.txqlen !== end.txqueuelen) problems.push(`${where}: txqueuelen ${l.txqlen}, expected ${end.txqueuelen}`);
      if (node.kind === 'bridge' && l.master !== (node as BridgeNode).device) problems.push(`${where}: not a port of ${(node as BridgeNode).device} (master ${l.master ?? 'none'})`);
      for (const a of end.addresses) {
        const want = `${formatAddress(a.cidr)}/${a.cidr.prefix}`;
        if (!l.addresses.includes(want)) problems.push(`${where}: address ${want} missing (${formatLoc(a.loc)})`);
      }
      for (const m of mismatches(o.impairments.find((i) => i.dev === end.ifname), end.netem?.spec, end.mtu, l.txqlen)) {
        problems.push(`${where}: ${m}${end.netem ? ` (${formatLoc(end.netem.loc)})` : ''}`);
      }
      problems.push(...endProblems(link, end, l, o, where), ...vlanInterfaceProblems(end, o));
      const v4 = l.addresses.filter((x) => !x.includes(':'));
      if (v4.length !== end.addresses.filter((a) => a.cidr.family === 4).length) problems.push(`${where}: IPv4 addresses ${v4.join(' ') || 'none'}, expected ${end.addresses.filter((a) => a.cidr.family === 4).map((a) => a.text).join(' ') || 'none'}`);
    }
  }
  return problems;
}
