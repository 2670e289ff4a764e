/**
 * The lab as a graph: namespaces (node or bridge), the host, interfaces,
 * and the wires between them. Plans and diagrams are both derived from it,
 * so they cannot disagree about what the lab is.
 *
 *   vertex `ns:<node>`        a namespace holding a node or a bridge
 *   vertex `host`             the host's own namespace (only with host attachments)
 *   vertex `if:<node>:<name>` an interface; edge `in` to its namespace
 *   edge   `veth`             between the two ends of a veth pair
 *   vertex `remote:<node>:<if>` the far side of a tunnel to other hosts (a lab spread over hosts)
 *   edge   `tunnel`           between a tunnel's local interface and its far side
 */
import { MultiGraph } from 'graphology';
import type { SourceLoc } from '../diagnostics.js';
import type { BridgeNode, CrossHostTunnel, End, HostAttachment, Lab, LabNode, Link } from '../topology/model.js';

export type VertexAttrs =
  | { type: 'namespace'; node: LabNode }
  | { type: 'host' }
  | { type: 'interface'; owner: string; ifname: string; ns: string | null; end?: End; link?: Link; host?: HostAttachment; bridge?: BridgeNode; tunnel?: CrossHostTunnel }
  | { type: 'remote'; tunnel: CrossHostTunnel };

export type EdgeAttrs =
  | { type: 'in' }
  | { type: 'veth'; linkIndex: number | null; loc: SourceLoc }
  | { type: 'tunnel'; loc: SourceLoc };

export type LabGraph = MultiGraph<VertexAttrs, EdgeAttrs>;

export const nsVertex = (node: string) => `ns:${node}`;
export const ifVertex = (owner: string, ifname: string) => `if:${owner}:${ifname}`;
export const HOST = 'host';
const remoteVertex = (t: CrossHostTunnel) => `remote:${t.end.node}:${t.end.ifname}`;

export function buildGraph(lab: Lab): LabGraph {
  const g: LabGraph = new MultiGraph<VertexAttrs, EdgeAttrs>();
  const byName = new Map(lab.nodes.map((n) => [n.name, n]));
  for (const node of lab.nodes) g.addNode(nsVertex(node.name), { type: 'namespace', node });
  for (const link of lab.links) {
    const [a, b] = link.ends.map((end) => {
      const owner = byName.get(end.node)!;
      const id = ifVertex(end.node, end.ifname);
      g.addNode(id, { type: 'interface', owner: end.node, ifname: end.ifname, ns: owner.ns, end, link });
      g.addDirectedEdge(id, nsVertex(end.node), { type: 'in' });
      return id;
    }) as [string, string];
    g.addUndirectedEdge(a, b, { type: 'veth', linkIndex: link.index, loc: link.loc });
  }
  for (const t of lab.crossHost ?? []) {
    const owner = byName.get(t.end.node)!;
    const id = ifVertex(t.end.node, t.end.ifname);
    g.addNode(id, { type: 'interface', owner: t.end.node, ifname: t.end.ifname, ns: owner.ns, end: t.end, tunnel: t });
    g.addDirectedEdge(id, nsVertex(t.end.node), { type: 'in' });
    g.addNode(remoteVertex(t), { type: 'remote', tunnel: t });
    g.addUndirectedEdge(id, remoteVertex(t), { type: 'tunnel', loc: t.loc });
  }
  for (const node of lab.nodes) {
    if (node.kind !== 'bridge' || !node.host) continue;
    if (!g.hasNode(HOST)) g.addNode(HOST, { type: 'host' });
    const h = node.host;
    const hostSide = ifVertex(HOST, h.hostIf);
    const bridgeSide = ifVertex(node.name, h.portIf);
    g.addNode(hostSide, { type: 'interface', owner: HOST, ifname: h.hostIf, ns: null, host: h, bridge: node });
    g.addNode(bridgeSide, { type: 'interface', owner: node.name, ifname: h.portIf, ns: node.ns, host: h, bridge: node });
    g.addDirectedEdge(hostSide, HOST, { type: 'in' });
    g.addDirectedEdge(bridgeSide, nsVertex(node.name), { type: 'in' });
    g.addUndirectedEdge(hostSide, bridgeSide, { type: 'veth', linkIndex: null, loc: h.loc });
  }
  return g;
}

/** The interfaces that live in a namespace vertex, in insertion (file) order. */
export function interfacesIn(g: LabGraph, vertex: string): string[] {
  return g.inNeighbors(vertex).filter((v) => g.getNodeAttributes(v).type === 'interface');
}

/** The other end of an interface's veth pair. */
export function peerOf(g: LabGraph, iface: string): string {
  const edge = g.undirectedEdges(iface)[0]!;
  return g.opposite(iface, edge);
}
