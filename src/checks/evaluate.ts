/**
 * Thresholds: measured values against the bounds a check states. Pure.
 */
import { formatRate, parsePercent, parseRate, parseTime } from '../topology/units.js';
import type { RawCheck } from '../topology/schema.js';
import type { IperfResult, PingStats } from './parse.js';
import type { Measurement } from './result.js';

const ms = (v: number) => `${Number(v.toFixed(3))} ms`;

/** ping: something came back, loss and RTT within bounds. */
export function evaluatePing(spec: RawCheck['ping'], stats: PingStats): { held: boolean; measurements: Measurement[] } {
  const m: Measurement[] = [];
  m.push({ name: 'received', value: `${stats.received}/${stats.transmitted}`, expected: '≥ 1', ok: stats.received > 0 });
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
  return { held: m.every((x) => x.ok !== false), measurements: m };
}

export function evaluateIperf(spec: RawCheck['iperf'], r: IperfResult): { held: boolean; measurements: Measurement[] } {
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
  return { held: m.every((x) => x.ok !== false), measurements: m };
}

/** One line for reports: the measurements that had a bound, or all of them. */
export function summarise(measurements: Measurement[]): string {
  const bounded = measurements.filter((x) => x.expected !== undefined);
  const shown = bounded.length ? bounded : measurements;
  return shown.map((x) => `${x.name} ${x.value}${x.expected ? ` (expected ${x.expected})` : ''}${x.ok === false ? ' ✗' : ''}`).join(', ');
}
