/**
 * `connect` and `disconnect`: the one-line changes mydocker offers, made as
 * edits of the running topology's text (the YAML document, comments and all)
 * and then applied like any other change. So `status`, `--verify`, `down`
 * and a later `apply` see them, and the state keeps the edited text. Pure.
 */
import { parseDocument, YAMLSeq } from 'yaml';
import { UsageError } from '../diagnostics.js';
import type { Lab } from '../topology/model.js';

/** Add a link `[node:ifname, bridge]` (with `ip:` when an address is given; else the bridge's subnet provides one). */
export function connectText(text: string, lab: Lab, node: string, ifname: string, bridge: string, ip?: string): string {
  const n = lab.nodes.find((x) => x.name === node);
  if (!n) throw new UsageError(`lab ${lab.name} has no node ${node}`, `its nodes: ${lab.nodes.filter((x) => x.kind === 'netns').map((x) => x.name).join(', ')}`);
  if (n.kind !== 'netns') throw new UsageError(`${node} is a bridge; connect a node to a bridge`, `e.g. nslab connect ${lab.name} NODE:eth1 ${node}`);
  const b = lab.nodes.find((x) => x.name === bridge);
  if (b?.kind !== 'bridge') throw new UsageError(b ? `${bridge} is a node, not a bridge` : `lab ${lab.name} has no bridge ${bridge}`, `its bridges: ${lab.nodes.filter((x) => x.kind === 'bridge').map((x) => x.name).join(', ') || 'none'}`);
  if (!ip && b.subnets.length === 0) throw new UsageError(`bridge ${bridge} has no subnet to take an address from`, `give one: --ip 10.0.0.50/24`);
  const doc = parseDocument(text);
  const entry = doc.createNode({ endpoints: [`${node}:${ifname}`, bridge], ...(ip ? { ip: [ip, null] } : {}) }, { flow: false });
  if (!doc.has('links')) doc.set('links', new YAMLSeq());
  (doc.get('links') as YAMLSeq).add(entry);
  return String(doc);
}

/** Remove the link an interface of a node belongs to; a link written as a range is the file's to change. */
export function disconnectText(text: string, lab: Lab, node: string, ifname: string): string {
  const link = lab.links.find((l) => l.ends.some((e) => e.node === node && e.ifname === ifname));
  if (!link) throw new UsageError(`${node}:${ifname} is not on any link of lab ${lab.name}`, `see its links: nslab status ${lab.name} --verify, or the topology`);
  if (link.statement.count > 1) {
    throw new UsageError(`${node}:${ifname} belongs to a ranged link (${link.statement.endpoints.join(', ')}, line ${link.loc.line}), which is ${link.statement.count} links`, 'edit the topology and `nslab apply` it');
  }
  const doc = parseDocument(text);
  (doc.get('links') as YAMLSeq).delete(link.statement.index);
  return String(doc);
}
