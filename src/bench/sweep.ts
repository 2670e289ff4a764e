/**
 * A bench sweep as data: the combinations to measure, what each one sets on
 * which interface, the commands that set it, and how to tell from the
 * kernel's answer that it took. Pure; bench/run.ts does the work.
 */
import type { PathInterface } from '../compile/path.js';
import type { Bench, BenchDimension, Lab } from '../topology/model.js';
import type { DimensionName, RawNetem, RawShape } from '../topology/schema.js';
import type { OffloadState } from './offload.js';

export type Combination = Partial<Record<DimensionName, string | number>>;

/** Every combination of the dimensions' values; the first dimension varies slowest. */
export function expandSweep(dims: readonly Pick<BenchDimension, 'name' | 'values'>[]): Combination[] {
  let combos: Combination[] = [{}];
  for (const d of dims) combos = combos.flatMap((c) => d.values.map((v) => ({ ...c, [d.name]: v })));
  return combos;
}

/** `mtu=9000 txqueuelen=1000`: how a combination is named in tables and files. */
export function comboLabel(c: Combination): string {
  return Object.entries(c)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

const LINK_DIMS = ['mtu', 'txqueuelen'] as const;
const NETEM_DIMS = ['delay', 'loss', 'rate', 'shape', 'queue'] as const;

/** What one interface should hold during a combination. */
export interface InterfaceSetting {
  node: string;
  ns: string;
  ifname: string;
  bridgeDevice?: boolean;
  mtu?: number;
  txqueuelen?: number;
  /** GSO, GRO and TSO together (offload.ts) */
  offload?: OffloadState;
  /** the impairment to hold (the topology's own, merged with swept fields); absent: netem is not swept here */
  netem?: RawNetem;
}

export const key = (ns: string, ifname: string) => `${ns}/${ifname}`;

/** The interfaces each swept interface setting applies to: its `on:`, else the path. */
export function targetsOf(dim: BenchDimension, lab: Lab, path: readonly PathInterface[]): PathInterface[] {
  if (!dim.on) return dim.name === 'mtu' ? [...path] : path.filter((p) => !p.bridgeDevice);
  const nsOf = new Map(lab.nodes.map((n) => [n.name, n.ns]));
  return dim.on.map((o) => ({ node: o.node, ns: nsOf.get(o.node)!, ifname: o.ifname }));
}

/**
 * Where a netem field goes. A queue stands in front of a shaper: without
 * `on:`, and with no shaper swept, it goes where the path has a declared one.
 */
export function netemTargets(bench: Bench, dim: BenchDimension, lab: Lab, path: readonly PathInterface[]): PathInterface[] {
  const all = targetsOf(dim, lab, path);
  if (dim.name !== 'queue' || dim.on || bench.dimensions.some((d) => d.name === 'shape')) return all;
  return all.filter((t) => declaredNetem(lab, t.node, t.ifname)?.shape);
}

/** The topology's own impairment of an interface, which swept netem fields are merged into. */
export function declaredNetem(lab: Lab, node: string, ifname: string): RawNetem | undefined {
  for (const l of lab.links) for (const e of l.ends) if (e.node === node && e.ifname === ifname) return e.netem?.spec;
  return undefined;
}

export function settingsFor(bench: Bench, lab: Lab, path: readonly PathInterface[], combo: Combination): InterfaceSetting[] {
  const out = new Map<string, InterfaceSetting>();
  const at = (p: PathInterface) => out.get(key(p.ns, p.ifname)) ?? out.set(key(p.ns, p.ifname), { node: p.node, ns: p.ns, ifname: p.ifname, ...(p.bridgeDevice ? { bridgeDevice: true } : {}) }).get(key(p.ns, p.ifname))!;
  for (const dim of bench.dimensions) {
    const value = combo[dim.name];
    if (value === undefined) continue;
    if ((LINK_DIMS as readonly string[]).includes(dim.name)) {
      for (const t of targetsOf(dim, lab, path)) at(t)[dim.name as (typeof LINK_DIMS)[number]] = Number(value);
    } else if (dim.name === 'offload') {
      for (const t of targetsOf(dim, lab, path)) at(t).offload = value as OffloadState;
    } else if ((NETEM_DIMS as readonly string[]).includes(dim.name)) {
      for (const t of netemTargets(bench, dim, lab, path)) {
        const s = at(t);
        const base = s.netem ?? { ...(declaredNetem(lab, t.node, t.ifname) ?? {}) };
        s.netem =
          dim.name === 'shape' ? { ...base, shape: { ...base.shape, rate: String(value) } }
          : dim.name === 'queue' ? { ...base, shape: { ...base.shape!, queue: value as NonNullable<RawShape['queue']> } }
          : { ...base, [dim.name]: String(value) };
      }
    }
  }
  // A pfifo in front of a shaper took its limit from txqueuelen when it was
  // made: with txqueuelen swept, the impairment is made again after the link
  // settings (runBench applies them in that order), or the queue would not change.
  for (const s of out.values()) {
    if (s.txqueuelen === undefined || s.netem) continue;
    const declared = declaredNetem(lab, s.node, s.ifname);
    if (declared?.shape?.queue === 'pfifo') s.netem = declared;
  }
  return [...out.values()];
}

/**
 * `ip link set` lines per namespace, for `ip -batch`. A bridge device comes
 * after its ports: it may not take an MTU above theirs when raising, and
 * lowering it last is always allowed.
 */
export function linkCommands(settings: readonly InterfaceSetting[]): Map<string, string[][]> {
  const byNs = new Map<string, string[][]>();
  const ordered = [...settings.filter((s) => !s.bridgeDevice), ...settings.filter((s) => s.bridgeDevice)];
  for (const s of ordered) {
    if (s.mtu === undefined && s.txqueuelen === undefined) continue;
    const argv = ['ip', 'link', 'set', 'dev', s.ifname, ...(s.mtu !== undefined ? ['mtu', String(s.mtu)] : []), ...(s.txqueuelen !== undefined ? ['txqueuelen', String(s.txqueuelen)] : [])];
    (byNs.get(s.ns) ?? byNs.set(s.ns, []).get(s.ns)!).push(argv);
  }
  return byNs;
}

export interface ObservedLinkSettings {
  ifname: string;
  mtu: number;
  txqlen?: number;
}

/** Differences between the link settings asked for and what `ip -j link` reports, per interface. */
export function linkMismatches(settings: readonly InterfaceSetting[], observed: ReadonlyMap<string, readonly ObservedLinkSettings[]>): string[] {
  const out: string[] = [];
  for (const s of settings) {
    const o = observed.get(s.ns)?.find((l) => l.ifname === s.ifname);
    const where = `${s.node}:${s.ifname}`;
    if (!o) {
      if (s.mtu !== undefined || s.txqueuelen !== undefined) out.push(`${where}: not found`);
      continue;
    }
    if (s.mtu !== undefined && o.mtu !== s.mtu) out.push(`${where}: mtu ${o.mtu}, expected ${s.mtu}`);
    if (s.txqueuelen !== undefined && o.txqlen !== s.txqueuelen) out.push(`${where}: txqueuelen ${o.txqlen ?? 'unknown'}, expected ${s.txqueuelen}`);
  }
  return out;
}

/** Replace or add swept values from the command line (`--sweep mtu=1500,9000`), path-wide. */
export function withSweep(bench: Bench, overrides: readonly Pick<BenchDimension, 'name' | 'values'>[]): Bench {
  const dims = bench.dimensions.map((d) => {
    const o = overrides.find((x) => x.name === d.name);
    return o ? { ...d, values: o.values } : d;
  });
  for (const o of overrides) if (!dims.some((d) => d.name === o.name)) dims.push({ name: o.name, values: o.values, loc: bench.loc });
  return { ...bench, dimensions: dims };
}
