/**
 * Port publishing on a host-attached bridge, docker's `-p`: `8080:srv:80`
 * forwards connections to the host's port 8080 to srv's address on the
 * bridge, port 80. Resolved after addressing: the target is the node's IPv4
 * address on the bridge's segment.
 */
import { formatAddress } from './ip.js';
import type { BridgeNode, LabNode, Link, Publish } from './model.js';
import type { Problems } from './problems.js';
import { bridgeSegments } from './segments.js';
import type { NodeOrigins } from './addressing.js';

type Path = (string | number)[];

const SPEC = /^(\d{1,5}):([^:/\s]+):(\d{1,5})(?:\/(tcp|udp))?$/;

/** Every bridge's `publish:` list, checked and resolved to node addresses. */
export function buildPublishes(nodes: Map<string, LabNode>, links: Link[], origins: NodeOrigins, p: Problems): void {
  const segmentOf = bridgeSegments(links);
  const taken = new Map<string, Publish>();
  for (const node of nodes.values()) {
    if (node.kind !== 'bridge' || !node.host) continue;
    const origin = origins.get(node.name)!;
    const raw = origin.raw.host?.publish ?? [];
    const path = ['nodes', origin.key];
    raw.forEach((text, i) => {
      const at = [...path, 'host', 'publish', i];
      const pub = parsePublish(text, at, node, nodes, links, segmentOf, p);
      if (!pub) return;
      const key = `${pub.proto}/${pub.hostPort}`;
      const first = taken.get(key);
      if (first) return p.at(at, `host port ${pub.hostPort}/${pub.proto} is already published at line ${first.loc.line}`, 'each host port forwards to one node');
      taken.set(key, pub);
      node.host!.publish.push(pub);
    });
  }
}

function parsePublish(text: string, at: Path, bridge: BridgeNode, nodes: Map<string, LabNode>, links: Link[], segmentOf: (b: string) => string, p: Problems): Publish | undefined {
  const m = SPEC.exec(text);
  if (!m) {
    p.at(at, `\`${text}\` is not a port mapping`, 'write `HOSTPORT:NODE:PORT`, with `/udp` for UDP, e.g. `8080:srv:80` or `5353:dns:53/udp`');
    return undefined;
  }
  const [hostPort, node, port] = [Number(m[1]), m[2]!, Number(m[3])];
  const proto = (m[4] ?? 'tcp') as 'tcp' | 'udp';
  for (const [n, what] of [[hostPort, 'host port'], [port, 'port']] as const) {
    if (n < 1 || n > 65535) {
      p.at(at, `${what} ${n} is outside 1..65535`);
      return undefined;
    }
  }
  const target = nodes.get(node);
  if (target?.kind !== 'netns') {
    p.at(at, target ? `\`${node}\` is a bridge; a published port forwards to a node` : `unknown node \`${node}\` in \`${text}\``, `name a node on bridge \`${bridge.name}\``);
    return undefined;
  }
  const segment = segmentOf(bridge.name);
  const address = links
    .filter((l) => l.ends.some((e) => e.kind === 'bridge' && segmentOf(e.node) === segment))
    .flatMap((l) => l.ends.filter((e) => e.node === node).flatMap((e) => e.addresses))
    .find((a) => a.cidr.family === 4);
  if (!address) {
    p.at(at, `\`${node}\` has no IPv4 address on bridge \`${bridge.name}\`'s segment to forward to`, `link \`${node}\` to \`${bridge.name}\` with an IPv4 address (or a bridge \`subnet\`)`);
    return undefined;
  }
  return { hostPort, proto, node, port, target: formatAddress(address.cidr), text, loc: p.loc(at) };
}
