/**
 * The `checks:` section: each item is `{<kind>: {...}}`. Validated item by
 * item so an error in one check points into that check, and every node a
 * check names must exist (and have an address, where one is needed).
 */
import { didYouMean } from '../util/suggest.js';
import { parseTime } from './units.js';
import { formatAddress, parseAddress } from './ip.js';
import type { Check, CheckImpairment, End, LabNode, Link } from './model.js';
import { netemProblems } from './netem.js';
import type { Problems } from './problems.js';
import { expandRange } from './ranges.js';
import { CHECK_KINDS, CheckBodies, type CheckKind, type RawCheck, type RawNetem, type TopologyFile } from './schema.js';
import { validateStructure } from './structure.js';
import { endsAndVlanIfs } from './interfaces.js';

/**
 * `tainted` nodes lost a link to an earlier problem: names are still
 * checked, but a missing address would be a consequence, not a cause.
 */
export function buildChecks(file: TopologyFile, nodes: Map<string, LabNode>, links: Link[], tainted: ReadonlySet<string>, p: Problems): Check[] {
  const ctx = refContext(nodes, links, tainted, p);
  const checks: Check[] = [];
  const names = new Map<string, number>();
  (file.checks ?? []).forEach((item, i) => {
    const path = ['checks', i];
    const check = buildCheck(item, path, ctx);
    if (!check) return;
    const dup = names.get(check.name);
    if (dup !== undefined) {
      p.at(path, `two checks are named \`${check.name}\``, 'give one of them a distinct `name:` so reports can tell them apart');
      return;
    }
    names.set(check.name, i);
    checks.push(check);
  });
  return checks;
}

/** What resolving a node or target name needs; shared with the bench section. */
export function refContext(nodes: Map<string, LabNode>, links: Link[], tainted: ReadonlySet<string>, p: Problems): Ctx {
  const ends = new Map<string, End[]>();
  for (const l of links) for (const e of endsAndVlanIfs(l)) (ends.get(e.node) ?? ends.set(e.node, []).get(e.node)!).push(e);
  return { nodes, ends, p, tainted };
}

export interface Ctx {
  nodes: Map<string, LabNode>;
  ends: Map<string, End[]>;
  p: Problems;
  tainted: ReadonlySet<string>;
}

export function buildCheck(item: unknown, path: (string | number)[], ctx: Ctx, nested = false): Check | undefined {
  const { p } = ctx;
  const kinds = CHECK_KINDS.join(', ');
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    p.at(path, `a check is a map with one of ${kinds}`, 'e.g. `- ping: { from: h1, to: h2 }`');
    return undefined;
  }
  const keys = Object.keys(item);
  if (keys.length !== 1) {
    p.at(path, keys.length ? `a check has exactly one kind, found ${keys.join(', ')}` : 'empty check', `one of ${kinds}; \`name\` and \`expect\` go inside it`);
    return undefined;
  }
  const kind = keys[0]!;
  if (!(CHECK_KINDS as string[]).includes(kind)) {
    p.at([...path, kind], `unknown check \`${kind}\``, didYouMean(kind, CHECK_KINDS) ?? `checks are ${kinds}`, 'key');
    return undefined;
  }
  const k = kind as CheckKind;
  const bodyPath = [...path, k];
  const { value, diagnostics } = validateStructure(CheckBodies[k], (item as Record<string, unknown>)[k] ?? {}, p.source, bodyPath);
  p.list.push(...diagnostics);
  if (!value) return undefined;
  const spec = value as RawCheck[CheckKind];
  const before = p.count;
  const check: Check = { kind: k, name: spec.name ?? '', expect: spec.expect ?? 'pass', spec, nodes: [], loc: p.loc(path) };
  if ('from' in spec) check.nodes.push(...nodeRef(spec.from, [...bodyPath, 'from'], ctx));
  if ('node' in spec) check.nodes.push(...nodeRef(spec.node, [...bodyPath, 'node'], ctx));
  if ('to' in spec) check.target = resolveTarget(spec.to, [...bodyPath, 'to'], ctx);
  if (k === 'reach') {
    const among = (spec as RawCheck['reach']).among;
    const list = Array.isArray(among) ? among : [among];
    list.forEach((ref, j) => {
      const refPath = Array.isArray(among) ? [...bodyPath, 'among', j] : [...bodyPath, 'among'];
      for (const n of nodeRef(ref, refPath, ctx, true)) {
        if (!ctx.tainted.has(n) && firstAddress(n, ctx) === undefined) p.at(refPath, `\`${n}\` has no address to ping`);
        check.nodes.push(n);
      }
    });
    if (check.nodes.length < 2 && p.count === before) p.at([...bodyPath, 'among'], 'reach needs at least two nodes');
  }
  if (k === 'connect') validateConnect(spec as RawCheck['connect'], bodyPath, ctx);
  if (k === 'http') validateHttp(spec as RawCheck['http'], bodyPath, ctx);
  if (k === 'route') validateRoute(spec as RawCheck['route'], check.nodes[0], bodyPath, ctx);
  if (k === 'path') for (const [i, hop] of (spec as RawCheck['path']).hops.entries()) nodeRef(hop, [...bodyPath, 'hops', i], ctx);
  if (k === 'capture') check.capture = buildCapture(spec as RawCheck['capture'], bodyPath, ctx, nested);
  if (spec.within !== undefined) check.withinMs = parseTime(spec.within)! / 1000;
  if (spec.netem) check.impair = checkImpairments(spec.netem, [...bodyPath, 'netem'], ctx);
  for (const field of ['stdout', 'body'] as const) {
    const re = (spec as Record<string, unknown>)[field];
    if (typeof re !== 'string') continue;
    try {
      new RegExp(re);
    } catch (e) {
      p.at([...bodyPath, field], `not a valid regular expression: ${(e as Error).message}`);
    }
  }
  if (p.count > before) return undefined;
  check.name = spec.name ?? defaultName(k, spec, check);
  return check;
}

function defaultName(kind: CheckKind, spec: RawCheck[CheckKind], check: Check): string {
  const neg = check.expect === 'fail' ? ' (expect fail)' : '';
  if (kind === 'reach') return `reach among ${check.nodes.length} nodes${neg}`;
  if (kind === 'exec') {
    const cmd = (spec as RawCheck['exec']).cmd;
    return `exec ${check.nodes[0]}: ${Array.isArray(cmd) ? cmd.join(' ') : cmd}${neg}`;
  }
  if (kind === 'http') return `http ${check.nodes[0]} -> ${(spec as RawCheck['http']).url}${neg}`;
  if (kind === 'capture') return `capture on ${(spec as RawCheck['capture']).on} while ${check.capture?.inner.name ?? 'a check'}${neg}`;
  const to = (spec as { to: string }).to;
  if (kind === 'connect') {
    const c = spec as RawCheck['connect'];
    return `connect ${check.nodes[0]} -> ${to} ${c.proto ?? 'tcp'}/${(c.ports ?? [c.port]).join(',')}${neg}`;
  }
  const size = kind === 'mtu' ? ` size ${(spec as RawCheck['mtu']).size ?? 'discover'}` : '';
  return `${kind} ${check.nodes[0]} -> ${to}${size}${neg}`;
}

/** route: the gateway and source are addresses; the interface is one of the node's. */
function validateRoute(spec: RawCheck['route'], node: string | undefined, path: (string | number)[], ctx: Ctx): void {
  for (const field of ['via', 'src'] as const) {
    const v = spec[field];
    if (v !== undefined && !parseAddress(v)) ctx.p.at([...path, field], `\`${v}\` is not an IP address`, field === 'via' ? 'the gateway, e.g. `10.0.1.1`' : 'the source address, e.g. `10.0.1.2`');
  }
  if (spec.dev !== undefined && node && !ctx.ends.get(node)?.some((e) => e.ifname === spec.dev)) {
    ctx.p.at([...path, 'dev'], `\`${node}\` has no interface \`${spec.dev}\``, didYouMean(spec.dev, (ctx.ends.get(node) ?? []).map((e) => e.ifname)));
  }
  if (spec.via === undefined && spec.dev === undefined && spec.src === undefined) ctx.p.at(path, 'route says nothing to check', 'give `via`, `dev` or `src` (what the kernel should choose)');
}

/** capture: an interface of the lab (a bridge port too), and one check to run while capturing. */
function buildCapture(spec: RawCheck['capture'], path: (string | number)[], ctx: Ctx, nested: boolean): Check['capture'] {
  if (nested) {
    ctx.p.at(path, 'a capture cannot run inside another check', 'put the capture around the check itself');
    return undefined;
  }
  const colon = spec.on.indexOf(':');
  const [name, ifname] = colon < 0 ? [spec.on, ''] : [spec.on.slice(0, colon), spec.on.slice(colon + 1)];
  const node = ctx.nodes.get(name);
  if (colon < 0 || !node) {
    ctx.p.at([...path, 'on'], colon < 0 ? `\`${spec.on}\` names no interface` : `unknown node \`${name}\``, colon < 0 ? 'write `node:ifname`' : didYouMean(name, ctx.nodes.keys()));
    return undefined;
  }
  if (!ctx.ends.get(name)?.some((e) => e.ifname === ifname)) {
    ctx.p.at([...path, 'on'], `\`${name}\` has no interface \`${ifname}\``, didYouMean(ifname, (ctx.ends.get(name) ?? []).map((e) => e.ifname)));
    return undefined;
  }
  if (spec.filter !== undefined && /[\n\r]/.test(spec.filter)) ctx.p.at([...path, 'filter'], 'a filter is one line');
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) ctx.p.at([...path, 'min'], `min ${spec.min} is above max ${spec.max}`);
  if (spec.min === undefined && spec.max === undefined) ctx.p.at(path, 'capture needs `min` or `max`', 'e.g. `max: 0` (nothing may pass) or `min: 1`');
  if (spec.while === undefined) {
    ctx.p.at(path, 'capture needs a check to run while capturing: `while:`', 'e.g. `while: { http: { from: a, url: "http://srv:8080/" } }`');
    return undefined;
  }
  const inner = buildCheck(spec.while, [...path, 'while'], ctx, true);
  return inner ? { node: name, ns: node.ns, ifname, inner } : undefined;
}

function validateConnect(spec: RawCheck['connect'], path: (string | number)[], ctx: Ctx): void {
  if ((spec.port === undefined) === (spec.ports === undefined)) {
    ctx.p.at(path, spec.port === undefined ? 'connect needs a `port` (or `ports`)' : 'give `port` or `ports`, not both', 'e.g. `connect: { from: a, to: srv, port: 8080 }`');
  }
  if (spec.payload !== undefined && spec.proto !== 'udp') ctx.p.at([...path, 'payload'], '`payload` is for UDP', 'add `proto: udp`, or remove it', 'key');
}

/** The URL parses, and its host is an address or a name that resolves inside the lab. */
function validateHttp(spec: RawCheck['http'], path: (string | number)[], ctx: Ctx): void {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    ctx.p.at([...path, 'url'], `\`${spec.url}\` is not a URL`, 'e.g. `http://srv:8080/`');
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.p.at([...path, 'url'], `the URL's scheme is ${url.protocol.slice(0, -1)}; http checks speak http and https`);
    return;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (parseAddress(host)) return;
  const names = resolvableNames(ctx);
  if (!names.has(host)) {
    ctx.p.at([...path, 'url'], `\`${host}\` does not resolve inside the lab`, didYouMean(host, names) ?? 'name a node (`http://srv:8080/`), `<node>-<ifname>`, or an address');
  }
}

/** Every name the lab's hosts files resolve: each node with an address, and `<node>-<ifname>`. */
export function resolvableNames(ctx: Pick<Ctx, 'ends'>): Set<string> {
  const names = new Set<string>();
  for (const [node, ends] of ctx.ends) {
    for (const e of ends) {
      if (e.kind !== 'netns' || e.addresses.length === 0) continue;
      names.add(node);
      names.add(`${node}-${e.ifname}`);
    }
  }
  return names;
}

/** A node (or a range of nodes) a check runs in; must be a namespace. */
export function nodeRef(ref: string, path: (string | number)[], ctx: Ctx, allowRange = false): string[] {
  const r = expandRange(ref);
  if (!r.ok) {
    ctx.p.at(path, r.message, r.hint);
    return [];
  }
  if (r.ranged && !allowRange) {
    ctx.p.at(path, `\`${ref}\` is a range; this field takes one node`);
    return [];
  }
  const out: string[] = [];
  for (const name of r.values) {
    const node = ctx.nodes.get(name);
    if (!node) {
      ctx.p.at(path, `unknown node \`${name}\``, didYouMean(name, ctx.nodes.keys()) ?? 'checks run in nodes defined under `nodes:`');
      return [];
    }
    if (node.kind !== 'netns') {
      ctx.p.at(path, `\`${name}\` is a bridge; checks and commands run in namespace nodes`);
      return [];
    }
    out.push(name);
  }
  return out;
}

/** `to:` is a node (its first address), `node:ifname` (that interface's first address), or an address. */
export function resolveTarget(to: string, path: (string | number)[], ctx: Ctx): string | undefined {
  const literal = parseAddress(to);
  if (literal) return formatAddress(literal);
  const colon = to.indexOf(':');
  const [name, ifname] = colon < 0 ? [to, undefined] : [to.slice(0, colon), to.slice(colon + 1)];
  const node = ctx.nodes.get(name);
  if (!node) {
    ctx.p.at(path, `\`${to}\` is neither a node nor an address`, didYouMean(name, ctx.nodes.keys()) ?? 'write a node name, `node:ifname`, or an IP address');
    return undefined;
  }
  if (node.kind !== 'netns') {
    ctx.p.at(path, `\`${name}\` is a bridge, which has no address`, 'target a namespace node on the bridge');
    return undefined;
  }
  if (ifname !== undefined && !ctx.ends.get(name)?.some((e) => e.ifname === ifname)) {
    ctx.p.at(path, `\`${name}\` has no interface \`${ifname}\``, didYouMean(ifname, (ctx.ends.get(name) ?? []).map((e) => e.ifname)));
    return undefined;
  }
  const addr = firstAddress(name, ctx, ifname);
  if (addr === undefined && !ctx.tainted.has(name)) ctx.p.at(path, `\`${to}\` has no address`, 'give it an `ip:` on one of its links, or attach it to a bridge with a `subnet`');
  return addr;
}

/** IPv4 first: it is what people mean when they say "ping h2". */
function firstAddress(node: string, ctx: Ctx, ifname?: string): string | undefined {
  const addrs = (ctx.ends.get(node) ?? []).filter((e) => ifname === undefined || e.ifname === ifname).flatMap((e) => e.addresses);
  const pick = addrs.find((a) => a.cidr.family === 4) ?? addrs[0];
  return pick ? formatAddress(pick.cidr) : undefined;
}

/** A check's own `netem:`, keyed by `node:ifname` (a namespace's interface or a bridge port). */
/**
 * Impairments by `node:ifname` (a namespace's interface or a bridge port),
 * for a check's own `netem:` or a scenario's `impair` step. A `null` spec
 * (scenarios only) means the topology's own.
 */
export function checkImpairments(netem: Record<string, RawNetem | null>, path: (string | number)[], ctx: Ctx): CheckImpairment[] {
  const out: CheckImpairment[] = [];
  for (const [key, given] of Object.entries(netem)) {
    const keyPath = [...path, key];
    const colon = key.indexOf(':');
    if (colon < 0) {
      ctx.p.at(keyPath, `\`${key}\` names no interface`, 'netem acts on one interface: write `node:ifname`', 'key');
      continue;
    }
    const [name, ifname] = [key.slice(0, colon), key.slice(colon + 1)];
    const node = ctx.nodes.get(name);
    if (!node) {
      ctx.p.at(keyPath, `unknown node \`${name}\``, didYouMean(name, ctx.nodes.keys()), 'key');
      continue;
    }
    const end = ctx.ends.get(name)?.find((e) => e.ifname === ifname);
    if (!end) {
      ctx.p.at(keyPath, `\`${name}\` has no interface \`${ifname}\``, didYouMean(ifname, (ctx.ends.get(name) ?? []).map((e) => e.ifname)), 'key');
      continue;
    }
    const spec = given ?? end.netem?.spec ?? null;
    if (spec === null) {
      out.push({ node: name, ns: node.ns, ifname, spec: {}, clear: true, ...(end.mtu !== undefined ? { mtu: end.mtu } : {}), loc: ctx.p.loc(keyPath) });
      continue;
    }
    for (const prob of netemProblems(spec, end.mtu)) ctx.p.at(prob.field ? [...keyPath, prob.field] : keyPath, `netem: ${prob.message}`, prob.hint, prob.field ? 'key' : 'value');
    out.push({ node: name, ns: node.ns, ifname, spec, ...(end.mtu !== undefined ? { mtu: end.mtu } : {}), ...(end.netem ? { restore: end.netem.spec } : {}), loc: ctx.p.loc(keyPath) });
  }
  return out;
}
