/**
 * Thresholds: measured values against the bounds a check states. Pure.
 */
import { formatRate, parsePercent, parseRate, parseTime } from '../topology/units.js';
import type { RawCheck } from '../topology/schema.js';
import type { IperfResult, PingStats } from './parse.js';
import { verdict, type CheckResult, type Measurement } from './result.js';

const ms = (v: number) => `${Number(v.toFixed(3))} ms`;

export interface Evaluation {
  held: boolean;
  measurements: Measurement[];
  /** the figures as numbers, unit in the key (see CheckResult.metrics) */
  metrics: Record<string, number>;
}

/**
 * ping: something came back, loss and RTT within bounds. A ping that could
 * not send at all ("Network is unreachable") counts as 0 of the packets it
 * was asked to send, and says why.
 */
export function evaluatePing(spec: RawCheck['ping'], stats: PingStats): Evaluation {
  const m: Measurement[] = [];
  const sent = stats.transmitted || (spec.count ?? 3);
  const why = stats.localError ? ` (${stats.localError})` : '';
  m.push({ name: 'received', value: `${stats.received}/${sent}${why}`, expected: '≥ 1', ok: stats.received > 0 });
  const maxLoss = spec.max_loss === undefined ? undefined : parsePercent(spec.max_loss)!;
  m.push({ name: 'loss', value: `${stats.loss}%`, ...(maxLoss !== undefined ? { expected: `≤ ${maxLoss}%`, ok: stats.loss <= maxLoss } : {}) });
  for (const stat of ['min', 'avg', 'max'] as const) {
    const upper = spec.max_rtt?.[stat];
    const lower = spec.min_rtt?.[stat];
    const v = stats.rtt?.[stat];
    if (upper === undefined && lower === undefined) {
      if (v !== undefined && stat === 'avg') m.push({ name: 'rtt avg', value: ms(v) });
      continue;
    }
    const hi = upper === undefined ? undefined : parseTime(upper)! / 1000;
    const lo = lower === undefined ? undefined : parseTime(lower)! / 1000;
    const expected = [lo !== undefined ? `≥ ${ms(lo)}` : '', hi !== undefined ? `≤ ${ms(hi)}` : ''].filter(Boolean).join(' and ');
    const ok = v !== undefined && (hi === undefined || v <= hi) && (lo === undefined || v >= lo);
    m.push({ name: `rtt ${stat}`, value: v === undefined ? 'none (no reply)' : ms(v), expected, ok });
  }
  const metrics: Record<string, number> = { transmitted: stats.transmitted, received: stats.received, loss_pct: stats.loss };
  if (stats.rtt) Object.assign(metrics, { rtt_min_ms: stats.rtt.min, rtt_avg_ms: stats.rtt.avg, rtt_max_ms: stats.rtt.max, rtt_mdev_ms: stats.rtt.mdev });
  return { held: m.every((x) => x.ok !== false), measurements: m, metrics };
}

export function evaluateIperf(spec: RawCheck['iperf'], r: IperfResult): Evaluation {
  const m: Measurement[] = [];
  const min = spec.min === undefined ? undefined : parseRate(spec.min)!;
  m.push({ name: 'throughput', value: formatRate(r.bitsPerSecond), ...(min !== undefined ? { expected: `≥ ${formatRate(min)}`, ok: r.bitsPerSecond >= min } : {}) });
  if (r.retransmits !== undefined) {
    m.push({ name: 'retransmits', value: String(r.retransmits), ...(spec.max_retransmits !== undefined ? { expected: `≤ ${spec.max_retransmits}`, ok: r.retransmits <= spec.max_retransmits } : {}) });
  }
  if (r.lossPercent !== undefined) {
    const maxLoss = spec.max_loss === undefined ? undefined : parsePercent(spec.max_loss)!;
    m.push({ name: 'UDP loss', value: `${Number(r.lossPercent.toFixed(3))}%`, ...(maxLoss !== undefined ? { expected: `≤ ${maxLoss}%`, ok: r.lossPercent <= maxLoss } : {}) });
  }
  if (r.jitterMs !== undefined) {
    const maxJitter = spec.max_jitter === undefined ? undefined : parseTime(spec.max_jitter)! / 1000;
    m.push({ name: 'jitter', value: ms(r.jitterMs), ...(maxJitter !== undefined ? { expected: `≤ ${ms(maxJitter)}`, ok: r.jitterMs <= maxJitter } : {}) });
  }
  const metrics: Record<string, number> = { throughput_bps: r.bitsPerSecond, duration_s: r.seconds };
  if (r.retransmits !== undefined) metrics.retransmits = r.retransmits;
  if (r.lossPercent !== undefined) metrics.loss_pct = r.lossPercent;
  if (r.jitterMs !== undefined) metrics.jitter_ms = r.jitterMs;
  return { held: m.every((x) => x.ok !== false), measurements: m, metrics };
}

/** One line for reports: the measurements that had a bound, or all of them. */
export function summarise(measurements: Measurement[]): string {
  const bounded = measurements.filter((x) => x.expected !== undefined);
  const shown = bounded.length ? bounded : measurements;
  return shown.map((x) => `${x.name} ${x.value}${x.expected ? ` (expected ${x.expected})` : ''}${x.ok === false ? ' ✗' : ''}`).join(', ');
}

/**
 * A reach's verdict from its ordered pairs and those that failed (sorted
 * here): every pair reached, or with `expect: fail`, none — full isolation.
 * One host's reach, or the pieces of one spread over hosts, merged.
 */
export function reachVerdict(expect: 'pass' | 'fail', pairs: number, failed: string[]): Pick<CheckResult, 'status' | 'message' | 'measurements' | 'metrics' | 'failedPairs'> {
  failed.sort();
  const ok = expect === 'pass' ? failed.length === 0 : failed.length === pairs;
  const m: Measurement[] = [{ name: 'pairs reached', value: `${pairs - failed.length}/${pairs}`, expected: expect === 'pass' ? `${pairs}/${pairs}` : `0/${pairs}`, ok }];
  const listed = failed.length && expect === 'pass' ? `; unreachable: ${failed.slice(0, 10).join(', ')}${failed.length > 10 ? `, … (${failed.length} in all)` : ''}` : '';
  return { status: verdict(ok, 'pass'), message: `${summarise(m)}${listed}`, measurements: m, metrics: { pairs, pairs_reached: pairs - failed.length }, failedPairs: failed };
}
