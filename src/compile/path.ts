/**
 * The interfaces a packet crosses from one node to another: the fewest-hops
 * path through the lab graph (namespaces, veths, bridges). A bench sweep
 * changes all of them by default — an MTU raised on one end only measures
 * a misconfiguration, not a tuning.
 */
import type { Lab } from '../topology/model.js';
import { buildGraph, interfacesIn, nsVertex, peerOf, type LabGraph, type VertexAttrs } from './graph.js';

export interface PathInterface {
  node: string;
  ns: string;
  ifname: string;
  /** a bridge's own device (takes the MTU, carries no queue to tune) */
  bridgeDevice?: boolean;
}

/** Undefined when no path exists. Equal-length paths: the first in file order. */
export function pathBetween(lab: Lab, from: string, to: string, graph: LabGraph = buildGraph(lab)): PathInterface[] | undefined {
  const start = nsVertex(from);
  const goal = nsVertex(to);
  // BFS over namespaces; remember how each was reached (out interface → in interface).
  const cameFrom = new Map<string, { prev: string; out: string; in: string }>();
  const queue = [start];
  const seen = new Set([start]);
  while (queue.length > 0) {
    const ns = queue.shift()!;
    if (ns === goal) break;
    for (const out of interfacesIn(graph, ns)) {
      const peer = peerOf(graph, out);
      const next = graph.outNeighbors(peer)[0];
      if (next === undefined || seen.has(next) || graph.getNodeAttributes(next).type !== 'namespace') continue;
      seen.add(next);
      cameFrom.set(next, { prev: ns, out, in: peer });
      queue.push(next);
    }
  }
  if (!seen.has(goal)) return undefined;
  const hops: { out: string; in: string }[] = [];
  for (let v = goal; v !== start; v = cameFrom.get(v)!.prev) hops.unshift(cameFrom.get(v)!);
  const result: PathInterface[] = [];
  const push = (vertex: string) => {
    const a = graph.getNodeAttributes(vertex) as Extract<VertexAttrs, { type: 'interface' }>;
    result.push({ node: a.owner, ns: a.ns!, ifname: a.ifname });
  };
  hops.forEach((hop, i) => {
    push(hop.out);
    push(hop.in);
    // Crossing a bridge: its device sits between the port we came in on and the one we leave by.
    const via = graph.getNodeAttributes(graph.outNeighbors(hop.in)[0]!) as Extract<VertexAttrs, { type: 'namespace' }>;
    if (via.node.kind === 'bridge' && i < hops.length - 1) result.push({ node: via.node.name, ns: via.node.ns, ifname: via.node.device, bridgeDevice: true });
  });
  return result;
}
