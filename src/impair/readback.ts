/**
 * What the kernel says is on an interface, from `tc -j qdisc show`, and
 * whether that is what a spec asked for. Pure: tested on captured output
 * of Debian's stock kernel (test/fixtures/outputs/tc-*.json).
 */
import type { RawNetem } from '../topology/schema.js';
import { netemArgs, tbfArgs } from '../topology/netem.js';
import { formatRate, parsePercent, parseRate, parseTime } from '../topology/units.js';

export interface Qdisc {
  kind: string;
  handle: string;
  dev: string;
  root: boolean;
  parent?: string;
  options: Record<string, unknown>;
}

/** The impairment on one interface, in plain units. */
export interface Impairment {
  dev: string;
  netem?: {
    limit: number;
    delayMs?: number;
    jitterMs?: number;
    correlationPct?: number;
    lossPct?: number;
    gemodel?: { p: number; r: number; lossBad: number; lossGood: number };
    duplicatePct?: number;
    corruptPct?: number;
    reorderPct?: number;
    gap?: number;
    rateBps?: number;
  };
  tbf?: { rateBps: number; burstBytes: number; latencyMs?: number; queue?: { kind: string; limit?: number } };
}

export function parseQdiscs(json: string): Qdisc[] {
  const data: unknown = JSON.parse(json.trim() || '[]');
  if (!Array.isArray(data)) throw new Error('tc -j qdisc show did not print a list');
  return data.map((q: Record<string, unknown>) => ({
    kind: String(q.kind),
    handle: String(q.handle),
    dev: String(q.dev),
    root: q.root === true,
    ...(typeof q.parent === 'string' ? { parent: q.parent } : {}),
    options: (q.options as Record<string, unknown>) ?? {},
  }));
}

const pct = (fraction: unknown) => (typeof fraction === 'number' ? round(fraction * 100) : undefined);
const ms = (seconds: unknown) => (typeof seconds === 'number' ? round(seconds * 1000) : undefined);
/** tc keeps percentages as 32-bit fractions: 1% reads back as 0.99999997%. */
const round = (v: number) => Number(v.toPrecision(6));

/** Interfaces that carry netem or tbf, with what those do. Interfaces with neither are left out. */
export function impairmentsOf(qdiscs: readonly Qdisc[]): Impairment[] {
  const byDev = new Map<string, Impairment>();
  const get = (dev: string) => byDev.get(dev) ?? byDev.set(dev, { dev }).get(dev)!;
  for (const q of qdiscs) {
    const o = q.options;
    if (q.kind === 'netem') {
      const delay = o.delay as { delay?: number; jitter?: number; correlation?: number } | undefined;
      const ge = o['loss-gemodel'] as Record<string, number> | undefined;
      const netem: NonNullable<Impairment['netem']> = { limit: Number(o.limit) };
      if (delay?.delay) netem.delayMs = ms(delay.delay);
      if (delay?.jitter) netem.jitterMs = ms(delay.jitter);
      if (delay?.correlation) netem.correlationPct = pct(delay.correlation);
      const loss = (o['loss-random'] as { loss?: number } | undefined)?.loss;
      if (loss) netem.lossPct = pct(loss);
      if (ge) netem.gemodel = { p: pct(ge.p)!, r: pct(ge.r)!, lossBad: pct(ge['1-h'])!, lossGood: pct(ge['1-k'])! };
      const dup = (o.duplicate as { duplicate?: number } | undefined)?.duplicate;
      if (dup) netem.duplicatePct = pct(dup);
      const corrupt = (o.corrupt as { corrupt?: number } | undefined)?.corrupt;
      if (corrupt) netem.corruptPct = pct(corrupt);
      const reorder = (o.reorder as { reorder?: number } | undefined)?.reorder;
      if (reorder) netem.reorderPct = pct(reorder);
      if (typeof o.gap === 'number' && o.gap > 0) netem.gap = o.gap;
      const rate = (o.rate as { rate?: number } | undefined)?.rate;
      if (rate) netem.rateBps = rate * 8;
      get(q.dev).netem = netem;
    } else if (q.kind === 'tbf') {
      // The queue in front of it: a visible child in tbf's class (`<handle>1`).
      const child = qdiscs.find((c) => c.dev === q.dev && c.parent === `${q.handle}1`);
      get(q.dev).tbf = {
        rateBps: Number(o.rate) * 8,
        burstBytes: Number(o.burst),
        ...(typeof o.lat === 'number' ? { latencyMs: o.lat / 1000 } : {}),
        ...(child ? { queue: { kind: child.kind, ...(typeof child.options.limit === 'number' ? { limit: child.options.limit } : {}) } } : {}),
      };
    }
  }
  return [...byDev.values()];
}

/** One line a person reads: `delay 50ms ±5ms, loss 1%, rate 10 Mbit/s, limit 1000; shaped to 5 Mbit/s`. */
export function describeImpairment(imp: Impairment): string {
  const parts: string[] = [];
  const n = imp.netem;
  if (n) {
    if (n.delayMs !== undefined) parts.push(`delay ${n.delayMs}ms${n.jitterMs ? ` ±${n.jitterMs}ms` : ''}${n.correlationPct ? ` (${n.correlationPct}% correlated)` : ''}`);
    if (n.lossPct !== undefined) parts.push(`loss ${n.lossPct}%`);
    if (n.gemodel) parts.push(`bursty loss (Gilbert-Elliott p ${n.gemodel.p}% r ${n.gemodel.r}% bad ${n.gemodel.lossBad}% good ${n.gemodel.lossGood}%)`);
    if (n.duplicatePct !== undefined) parts.push(`duplicate ${n.duplicatePct}%`);
    if (n.corruptPct !== undefined) parts.push(`corrupt ${n.corruptPct}%`);
    if (n.reorderPct !== undefined) parts.push(`reorder ${n.reorderPct}%${n.gap ? ` gap ${n.gap}` : ''}`);
    if (n.rateBps !== undefined) parts.push(`rate ${formatRate(n.rateBps)}`);
    parts.push(`limit ${n.limit}`);
  }
  const netemText = parts.join(', ');
  const q = imp.tbf?.queue;
  const tbfText = imp.tbf ? `shaped to ${formatRate(imp.tbf.rateBps)} (burst ${imp.tbf.burstBytes} B)${q ? `, queue ${q.kind}${q.limit !== undefined ? ` limit ${q.limit}` : ''}` : ''}` : '';
  return [netemText, tbfText].filter(Boolean).join('; ');
}

/**
 * Differences between what the kernel holds and what `spec` asks for
 * (undefined spec: nothing at all). Empty when they agree.
 */
export function mismatches(actual: Impairment | undefined, spec: RawNetem | undefined, mtu = 1500, txqueuelen?: number): string[] {
  const out: string[] = [];
  const want = spec ? expected(spec, mtu) : undefined;
  const n = actual?.netem;
  if (!want?.netem && n) out.push(`a netem qdisc remains: ${describeImpairment(actual!)}`);
  if (!want?.tbf && actual?.tbf) out.push(`a tbf qdisc remains (${formatRate(actual.tbf.rateBps)})`);
  if (want?.netem) {
    if (!n) out.push('no netem qdisc');
    else {
      for (const [key, value] of Object.entries(want.netem) as [keyof typeof want.netem, number | undefined][]) {
        const got = n[key] as number | undefined;
        if (!close(got, value)) out.push(`netem ${key}: kernel has ${got ?? 'none'}, expected ${value ?? 'none'}`);
      }
    }
  }
  if (want?.tbf) {
    if (!actual?.tbf) out.push('no tbf qdisc');
    else {
      if (!close(actual.tbf.rateBps, want.tbf.rateBps)) out.push(`tbf rate: kernel has ${formatRate(actual.tbf.rateBps)}, expected ${formatRate(want.tbf.rateBps)}`);
      const got = actual.tbf.queue?.kind;
      if (got !== want.tbf.queue) out.push(`queue in front of the shaper: kernel has ${got ?? 'tbf\'s own'}, expected ${want.tbf.queue ?? 'tbf\'s own'}`);
      // A pfifo keeps the txqueuelen it was made with: a stale one means txqueuelen was changed behind its back.
      const limit = actual.tbf.queue?.limit;
      if (got === 'pfifo' && txqueuelen !== undefined && limit !== undefined && limit !== txqueuelen) out.push(`pfifo limit ${limit} in front of the shaper, but txqueuelen is ${txqueuelen} (the queue was made before txqueuelen changed)`);
    }
  }
  return out;
}

function close(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Math.abs(a - b) <= Math.max(1e-6, Math.abs(b) * 1e-4);
}

/** The readback a spec should produce, in the units of Impairment. */
function expected(spec: RawNetem, mtu: number): { netem?: Partial<NonNullable<Impairment['netem']>>; tbf?: { rateBps: number; queue?: string } } {
  const out: ReturnType<typeof expected> = {};
  if (Object.keys(spec).some((k) => k !== 'shape')) {
    const args = netemArgs(spec, mtu);
    const limitAt = args.indexOf('limit');
    const rateAt = args.indexOf('rate');
    const p = (v?: string) => (v === undefined ? undefined : parsePercent(v));
    out.netem = {
      limit: limitAt >= 0 ? Number(args[limitAt + 1]) : 1000,
      delayMs: spec.delay ? parseTime(spec.delay)! / 1000 : undefined,
      jitterMs: spec.jitter ? parseTime(spec.jitter)! / 1000 : undefined,
      lossPct: typeof spec.loss === 'string' && parsePercent(spec.loss) ? parsePercent(spec.loss) : undefined,
      duplicatePct: p(spec.duplicate) || undefined,
      corruptPct: p(spec.corrupt) || undefined,
      reorderPct: p(spec.reorder) || undefined,
      rateBps: rateAt >= 0 ? parseRate(args[rateAt + 1]!) : undefined,
    };
  }
  if (spec.shape) out.tbf = { rateBps: parseRate(tbfArgs(spec.shape, mtu)[1]!)!, ...(spec.shape.queue ? { queue: spec.shape.queue } : {}) };
  return out;
}
