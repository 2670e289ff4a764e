/**
 * Teardown is derived from a footprint — what a lab leaves in the kernel —
 * rather than from the topology, so the same code tears down a lab from its
 * topology, from its state file, or from what the kernel shows when both are
 * gone. Deleting a namespace deletes its interfaces, bridges and qdiscs; only
 * host-side objects need their own steps.
 */
import type { Lab } from '../topology/model.js';
import { hostTag } from '../topology/names.js';
import { hostRuleSpecs } from './nat.js';
import type { Plan, Step } from './plan.js';

export interface Footprint {
  lab: string;
  namespaces: string[];
  /** host-side interfaces (tagged with the lab's alias) */
  hostLinks: string[];
  /** iptables nat-table rules, as the words after `-A` */
  natRules: string[][];
}

export function footprintOf(lab: Lab): Footprint {
  const bridges = lab.nodes.flatMap((n) => (n.kind === 'bridge' && n.host ? [{ node: n, host: n.host }] : []));
  return {
    lab: lab.name,
    namespaces: lab.nodes.map((n) => n.ns),
    hostLinks: bridges.map((b) => b.host.hostIf),
    natRules: bridges.flatMap((b) => hostRuleSpecs(b.host, hostTag(lab.name))),
  };
}

export function teardownPlan(fp: Footprint, file?: string): Plan {
  const steps: Step[] = [];
  fp.natRules.forEach((rule, i) => {
    steps.push({ id: `nat:${i}`, ns: null, argv: ['iptables', '-w', '-t', 'nat', '-D', ...rule], deps: [], why: 'remove NAT rule', ifAbsent: 'ok' });
  });
  for (const link of fp.hostLinks) {
    steps.push({ id: `hostlink:${link}`, ns: null, argv: ['ip', 'link', 'del', 'dev', link], deps: [], why: 'remove host-side interface', ifAbsent: 'ok' });
  }
  for (const ns of fp.namespaces) {
    steps.push({ id: `netns:${ns}`, ns: null, argv: ['ip', 'netns', 'del', ns], deps: [], why: 'delete namespace (and everything in it)', ifAbsent: 'ok' });
  }
  return { kind: 'teardown', lab: fp.lab, file, steps };
}
