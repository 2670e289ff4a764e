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

function describe(g: LabGraph): { boxes: { id: string; label: string; shape: 'node' | 'bridge' | 'host' }[]; wires: Wire[] } {
  const boxes: { id: string; label: string; shape: 'node' | 'bridge' | 'host' }[] = [];
  g.forEachNode((v, attrs) => {
    if (attrs.type === 'namespace') {
      const n = attrs.node;
      const extra = n.kind === 'bridge' ? n.subnets.map((s) => formatCidr(s)) : [];
      boxes.push({ id: v, label: [n.name, ...extra].join('\n'), shape: n.kind === 'bridge' ? 'bridge' : 'node' });
    } else if (attrs.type === 'host') {
      boxes.push({ id: v, label: 'host', shape: 'host' });
    }
  });
  const wires: Wire[] = [];
  g.forEachUndirectedEdge((_e, _attrs, s, t) => {
    const [a, b] = [g.getNodeAttributes(s) as Iface, g.getNodeAttributes(t) as Iface];
    const side = (i: Iface) => [i.ifname, ...(i.end?.addresses.map((x) => x.text) ?? (i.host && i.owner === 'host' ? [i.host.address.text] : []))].join(' ');
    wires.push({ a: g.outNeighbors(s)[0]!, b: g.outNeighbors(t)[0]!, label: `${side(a)} — ${side(b)}` });
  });
  return { boxes, wires };
}

export function toMermaid(g: LabGraph): string {
  const { boxes, wires } = describe(g);
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

export function toDot(g: LabGraph, name: string): string {
  const { boxes, wires } = describe(g);
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
