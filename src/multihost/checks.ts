/**
 * Checks of a lab spread over hosts: each runs on the host of the node it
 * runs in (`from`, `node`); a `reach` among nodes on several hosts runs on
 * each of them, from the nodes there to all the others, and the pieces are
 * merged back into one result. Checks that need several namespaces at once
 * (iperf3's server, a capture beside its check, a path's hops) run where
 * all of them are, and are reported as errors when they are spread.
 *
 * Pure: which host runs what, and how the answers merge.
 */
import { reachVerdict } from '../checks/evaluate.js';
import type { CheckResult } from '../checks/result.js';
import type { Check, Lab } from '../topology/model.js';

/** One host's share of the checks: the index of each in the lab's checks, and for a split reach, its sources there. */
export interface HostChecks {
  host: string;
  checks: { index: number; sources?: string[] }[];
}

export type Assignment = { kind: 'host'; host: string } | { kind: 'split'; hosts: string[] } | { kind: 'spread'; reason: string };

/** The nodes a check needs beside the one it runs from: where its traffic is received or watched. */
function alsoNeeds(lab: Lab, check: Check): string[] {
  const names = new Set(lab.nodes.map((n) => n.name));
  const nodeOf = (ref: unknown) => (typeof ref === 'string' && names.has(ref.split(':')[0]!) ? [ref.split(':')[0]!] : []);
  const spec = check.spec as Record<string, unknown>;
  switch (check.kind) {
    case 'iperf':
      return nodeOf(spec.to);
    case 'path':
      return [...nodeOf(spec.to), ...((spec.hops as string[] | undefined) ?? []).flatMap(nodeOf)];
    case 'capture':
      return check.capture ? [check.capture.node, ...check.capture.inner.nodes, ...alsoNeeds(lab, check.capture.inner)] : [];
    default:
      return [];
  }
}

export function assignCheck(lab: Lab, check: Check, hostOf: ReadonlyMap<string, string>): Assignment {
  if (check.kind === 'reach') {
    const hosts = [...new Set(check.nodes.map((n) => hostOf.get(n)!))];
    return hosts.length === 1 ? { kind: 'host', host: hosts[0]! } : { kind: 'split', hosts };
  }
  const nodes = [...new Set([...check.nodes.slice(0, 1), ...alsoNeeds(lab, check)])];
  const hosts = [...new Set(nodes.map((n) => hostOf.get(n)!))];
  if (hosts.length === 1) return { kind: 'host', host: hosts[0]! };
  return { kind: 'spread', reason: `it runs in ${nodes.map((n) => `${n} (on ${hostOf.get(n)})`).join(', ')}, on different hosts; pin them to one host to run it` };
}

/** Which host runs which checks; checks that cannot run spread over hosts are returned apart. */
export function assignChecks(lab: Lab, selected: readonly Check[], hostOf: ReadonlyMap<string, string>): { perHost: HostChecks[]; spread: { check: Check; reason: string }[] } {
  const perHost = new Map<string, HostChecks>();
  const on = (host: string) => perHost.get(host) ?? perHost.set(host, { host, checks: [] }).get(host)!;
  const spread: { check: Check; reason: string }[] = [];
  for (const check of selected) {
    const index = lab.checks.indexOf(check);
    const a = assignCheck(lab, check, hostOf);
    if (a.kind === 'host') on(a.host).checks.push({ index });
    else if (a.kind === 'split') for (const host of a.hosts) on(host).checks.push({ index, sources: check.nodes.filter((n) => hostOf.get(n) === host) });
    else spread.push({ check, reason: a.reason });
  }
  return { perHost: [...perHost.values()], spread };
}

/** One reach result from the pieces each host ran: every pair counted once, the verdict over all of them. */
export function mergeReach(check: Check, pieces: readonly CheckResult[]): CheckResult {
  const first = pieces[0]!;
  const broken = pieces.find((p) => p.status === 'error' || p.status === 'skip');
  const pairs = pieces.reduce((s, p) => s + (p.metrics.pairs ?? 0), 0);
  const failed = pieces.flatMap((p) => p.failedPairs ?? []);
  const joined = {
    commands: pieces.flatMap((p) => p.commands),
    output: pieces.map((p) => p.output).join(''),
    stderr: pieces.map((p) => p.stderr).join(''),
    startedAt: pieces.map((p) => p.startedAt).sort()[0]!,
    ms: Math.max(...pieces.map((p) => p.ms)),
  };
  if (broken) return { ...first, ...joined, status: broken.status, message: broken.message, ...(broken.skipReason ? { skipReason: broken.skipReason } : {}) };
  return { ...first, ...joined, ...reachVerdict(check.expect, pairs, failed) };
}
