/**
 * The `bench:` section: the two ends of the measurement must be nodes of the
 * lab (iperf3's server runs inside it), and every interface a dimension
 * names must exist. Which interfaces "the path" holds is decided later, from
 * the graph (compile/path.ts).
 */
import { formatAddress } from './ip.js';
import type { Bench, BenchDimension, LabNode, Link } from './model.js';
import type { Problems } from './problems.js';
import { nodeRef, refContext, resolveTarget } from './checks.js';
import { DIMENSIONS, type TopologyFile } from './schema.js';
import { didYouMean } from '../util/suggest.js';

/** Dimensions that change the measurement, not an interface: `on:` makes no sense for them. */
const MEASUREMENT_DIMENSIONS = new Set(['streams', 'length', 'congestion']);

export function buildBench(file: TopologyFile, nodes: Map<string, LabNode>, links: Link[], tainted: ReadonlySet<string>, p: Problems): Bench | undefined {
  const spec = file.bench;
  if (!spec) return undefined;
  const path = ['bench'];
  const before = p.count;
  const ctx = refContext(nodes, links, tainted, p);
  const [from] = nodeRef(spec.from, [...path, 'from'], ctx);
  const target = resolveTarget(spec.to, [...path, 'to'], ctx);
  const toNode = target === undefined ? undefined : ownerOf(target, links);
  if (target !== undefined && toNode === undefined) {
    p.at([...path, 'to'], `no node of the lab has address ${spec.to}`, 'iperf3\'s server runs inside the lab: name a node, or one of its addresses');
  }
  if (from !== undefined && from === toNode) p.at([...path, 'to'], 'bench measures between two different nodes');
  if (spec.protocol === 'udp') {
    if (spec.congestion) p.at([...path, 'congestion'], 'congestion control is TCP\'s; this bench sends UDP', 'remove it, or use `protocol: tcp`');
    if (spec.sweep.congestion) p.at([...path, 'sweep', 'congestion'], 'congestion control is TCP\'s; this bench sends UDP', 'remove it, or use `protocol: tcp`');
  }

  const dimensions: BenchDimension[] = [];
  for (const name of DIMENSIONS) {
    const raw = spec.sweep[name];
    if (raw === undefined) continue;
    const dimPath = [...path, 'sweep', name];
    const values = Array.isArray(raw) ? raw : raw.values;
    const onRaw = Array.isArray(raw) ? undefined : raw.on;
    const dim: BenchDimension = { name, values, loc: p.loc(dimPath) };
    if (new Set(values.map(String)).size !== values.length) p.at(dimPath, `${name} lists a value twice`, 'each value is measured once per repetition; remove the duplicate');
    if (onRaw) {
      if (MEASUREMENT_DIMENSIONS.has(name)) {
        p.at([...dimPath, 'on'], `${name} is an iperf3 setting, not an interface setting`, 'remove `on:`');
      } else {
        dim.on = [];
        onRaw.forEach((ref, i) => {
          const colon = ref.indexOf(':');
          const node = ref.slice(0, colon);
          const ifname = ref.slice(colon + 1);
          const ends = ctx.ends.get(node) ?? [];
          if (colon < 0 || !nodes.has(node)) {
            p.at([...dimPath, 'on', i], colon < 0 ? `\`${ref}\` is not node:ifname` : `unknown node \`${node}\``, colon < 0 ? 'e.g. r1:eth0' : didYouMean(node, nodes.keys()));
          } else if (!ends.some((e) => e.ifname === ifname)) {
            p.at([...dimPath, 'on', i], `\`${node}\` has no interface \`${ifname}\``, didYouMean(ifname, ends.map((e) => e.ifname)));
          } else dim.on!.push({ node, ifname });
        });
      }
    }
    dimensions.push(dim);
  }
  if (dimensions.length === 0) p.at([...path, 'sweep'], 'nothing to sweep', 'add e.g. `mtu: [1500, 9000]`');
  queueNeedsShaper(dimensions, links, spec.sweep.queue, [...path, 'sweep', 'queue'], p);
  if (p.count > before || from === undefined || toNode === undefined || target === undefined) return undefined;
  return { spec, from, toNode, target, dimensions, loc: p.loc(path) };
}

function ownerOf(address: string, links: Link[]): string | undefined {
  for (const l of links) for (const e of l.ends) if (e.kind === 'netns' && e.addresses.some((a) => formatAddress(a.cidr) === address)) return e.node;
  return undefined;
}

/**
 * A queue stands in front of a shaper: sweeping `queue` needs one on every
 * interface it names — declared in the topology, or swept with `shape`.
 */
function queueNeedsShaper(dims: readonly BenchDimension[], links: Link[], raw: unknown, at: (string | number)[], p: Problems): void {
  const queue = dims.find((d) => d.name === 'queue');
  if (!queue || dims.some((d) => d.name === 'shape')) return;
  const shapedAnywhere = links.some((l) => l.ends.some((e) => e.netem?.spec.shape));
  if (!queue.on) {
    // Without `on:` the queue goes where the path has a shaper (bench/sweep.ts): there must be one.
    if (!shapedAnywhere) p.at(at, 'a queue sweep needs a shaper to stand in front of, and no interface of the lab has one', 'add `shape: { rate: … }` to the bottleneck\'s netem, or sweep `shape` too');
    return;
  }
  const shaped = (node: string, ifname: string) => links.some((l) => l.ends.some((e) => e.node === node && e.ifname === ifname && e.netem?.spec.shape));
  const written = (raw as { on?: string[] }).on ?? [];
  for (const o of queue.on) {
    const ref = `${o.node}:${o.ifname}`;
    if (!shaped(o.node, o.ifname)) p.at([...at, 'on', written.indexOf(ref)], `${ref} has no \`shape:\` for the queue to stand in front of`, 'add `shape: { rate: … }` to its netem, or sweep `shape` too');
  }
}
