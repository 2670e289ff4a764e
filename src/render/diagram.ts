/**
 * The topology as a diagram, from the same graph the plans come from:
 * namespaces as boxes, bridges as hexagons, each veth as an edge labelled
 * with both interface names and their addresses. Mermaid renders in GitHub
 * READMEs and job summaries; DOT feeds Graphviz.
 */
import type { LabGraph, VertexAttrs } from '../compile/graph.js';
import { formatCidr } from '../topology/ip.js';

type Iface = Extract<VertexAttrs, { type: 'interface' }>;

interface Wire {
  a: string;
  b: string;
  label: string;
}

export interface DiagramOptions {
  /** draw every node and link; by default a range (`h{1..1000}`) is one box with its count */
  expand?: boolean;
}

type Box = { id: string; label: string; shape: 'node' | 'bridge' | 'host' };

/**
 * Boxes and wires. Collapsed (the default), the nodes of one range are one
 * box, and the links of one ranged `links:` entry one wire labelled as
 * written, with the count: the 1000-host star is two boxes and one wire, not
 * 1000 edges (over Mermaid's default limit of 500, which GitHub will not render).
 */
function describe(g: LabGraph, opts: DiagramOptions = {}): { boxes: Box[]; wires: Wire[] } {
  const groupSize = new Map<string, number>();
  g.forEachNode((_v, attrs) => {
    if (attrs.type === 'namespace' && attrs.node.group && !opts.expand) groupSize.set(attrs.node.group, (groupSize.get(attrs.node.group) ?? 0) + 1);
  });
  const rep = (v: string) => {
    const attrs = g.getNodeAttributes(v);
    return attrs.type === 'namespace' && attrs.node.group && !opts.expand ? `group:${attrs.node.group}` : v;
  };
  const boxes: Box[] = [];
  const seenBox = new Set<string>();
  g.forEachNode((v, attrs) => {
    const id = rep(v);
    if (seenBox.has(id)) return;
    if (attrs.type === 'namespace') {
      seenBox.add(id);
      const n = attrs.node;
      const extra = n.kind === 'bridge' ? n.subnets.map((s) => formatCidr(s)) : [];
      const name = id === v ? n.name : `${n.group} (${groupSize.get(n.group!)} ${n.kind === 'bridge' ? 'bridges' : 'nodes'})`;
      boxes.push({ id, label: [name, ...extra].join('\n'), shape: n.kind === 'bridge' ? 'bridge' : 'node' });
    } else if (attrs.type === 'host') {
      seenBox.add(id);
      boxes.push({ id, label: 'host', shape: 'host' });
    }
  });
  const wires: Wire[] = [];
  const seenStatement = new Set<number>();
  // A ranged `links:` entry is one wire only if all its links join the same two boxes.
  const boxPairs = new Map<number, Set<string>>();
  g.forEachUndirectedEdge((_e, _attrs, s, t) => {
    const st = (g.getNodeAttributes(s) as Iface).link?.statement;
    if (st) (boxPairs.get(st.index) ?? boxPairs.set(st.index, new Set()).get(st.index)!).add(`${rep(g.outNeighbors(s)[0]!)}|${rep(g.outNeighbors(t)[0]!)}`);
  });
  g.forEachUndirectedEdge((_e, _attrs, s, t) => {
    const [a, b] = [g.getNodeAttributes(s) as Iface, g.getNodeAttributes(t) as Iface];
    const statement = a.end && b.end ? a.link?.statement : undefined;
    const [ra, rb] = [rep(g.outNeighbors(s)[0]!), rep(g.outNeighbors(t)[0]!)];
    if (statement && statement.count > 1 && !opts.expand && boxPairs.get(statement.index)!.size === 1) {
      if (seenStatement.has(statement.index)) return;
      seenStatement.add(statement.index);
      wires.push({ a: ra, b: rb, label: `${statement.endpoints[0]} — ${statement.endpoints[1]} (×${statement.count})` });
      return;
    }
    const side = (i: Iface) => [i.ifname, ...(i.end?.addresses.map((x) => x.text) ?? (i.host && i.owner === 'host' ? [i.host.address.text] : []))].join(' ');
    wires.push({ a: ra, b: rb, label: `${side(a)} — ${side(b)}` });
  });
  return { boxes, wires };
}

export function toMermaid(g: LabGraph, opts: DiagramOptions = {}): string {
  const { boxes, wires } = describe(g, opts);
  const ids = new Map(boxes.map((b, i) => [b.id, `n${i}`]));
  const esc = (s: string) => s.replace(/"/g, '#quot;').replace(/\n/g, '<br/>');
  const lines = ['flowchart LR'];
  for (const b of boxes) {
    const id = ids.get(b.id)!;
    const label = `"${esc(b.label)}"`;
    lines.push(`  ${id}${b.shape === 'bridge' ? `{{${label}}}` : b.shape === 'host' ? `[(${label})]` : `[${label}]`}`);
  }
  for (const w of wires) lines.push(`  ${ids.get(w.a)} ---|"${esc(w.label)}"| ${ids.get(w.b)}`);
  return lines.join('\n') + '\n';
}

export function toDot(g: LabGraph, name: string, opts: DiagramOptions = {}): string {
  const { boxes, wires } = describe(g, opts);
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  const lines = [`graph ${q(name)} {`, '  rankdir=LR;', '  node [fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const b of boxes) {
    const shape = b.shape === 'bridge' ? 'hexagon' : b.shape === 'host' ? 'cylinder' : 'box';
    lines.push(`  ${q(b.id)} [label=${q(b.label)}, shape=${shape}${b.shape === 'node' ? ', style=rounded' : ''}];`);
  }
  for (const w of wires) lines.push(`  ${q(w.a)} -- ${q(w.b)} [label=${q(w.label)}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
