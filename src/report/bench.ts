/**
 * Bench results as a terminal table, CSV and JSON. Pure: strings out.
 */
import type { BenchReport } from '../bench/run.js';
import type { ComboResult, Stat } from '../bench/aggregate.js';
import type { KnobVerdict } from '../bench/verdict.js';
import { jsonText, snakeKeys } from './json-style.js';

const mbit = (bps: number) => (bps / 1e6).toFixed(bps >= 1e9 ? 0 : 1);
const range = (s: Stat | undefined, f: (v: number) => string) => (s ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : '—');

export const TABLE_HEADER = ['combination', 'throughput Mbit/s, median (min–max)', 'retransmits', 'RTT under load ms: p50 / p99 (min–max)', 'idle RTT ms', 'CPU s/Gbit'];

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** One table row per combination, as the terminal shows it while the sweep runs. */
export function tableRow(r: ComboResult): string[] {
  const rtt = r.rttP50Ms && r.rttP99Ms ? `${ms(r.rttP50Ms.median)} / ${range(r.rttP99Ms, ms)}` : range(r.rttMs, ms);
  return [r.label, range(r.throughput, mbit), range(r.retransmits, (v) => String(Math.round(v))), rtt, r.idleRttMs === undefined ? '—' : ms(r.idleRttMs), r.cpuSecPerGbit ? r.cpuSecPerGbit.median.toFixed(2) : '—'];
}

export function formatTable(rows: readonly string[][], header = TABLE_HEADER): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

const CSV_STATS = ['throughput_bps', 'retransmits', 'rtt_ms', 'rtt_p50_ms', 'rtt_p90_ms', 'rtt_p99_ms', 'rtt_max_ms', 'loss_pct', 'jitter_ms', 'cpu_s_per_gbit'] as const;
const FIELD: Record<(typeof CSV_STATS)[number], keyof ComboResult> = {
  throughput_bps: 'throughput', retransmits: 'retransmits', rtt_ms: 'rttMs', rtt_p50_ms: 'rttP50Ms', rtt_p90_ms: 'rttP90Ms', rtt_p99_ms: 'rttP99Ms', rtt_max_ms: 'rttMaxMs', loss_pct: 'lossPct', jitter_ms: 'jitterMs', cpu_s_per_gbit: 'cpuSecPerGbit',
};

/** One row per combination: the swept values, then median/min/max of each figure. */
export function toCsv(report: BenchReport): string {
  const dims = report.dimensions.map((d) => d.name);
  const header = [...dims, ...CSV_STATS.flatMap((s) => [`${s}_median`, `${s}_min`, `${s}_max`]), 'idle_rtt_ms', 'runs'];
  const rows = report.results.map((r) => [
    ...dims.map((d) => String(r.combo[d as keyof typeof r.combo] ?? '')),
    ...CSV_STATS.flatMap((s) => {
      const st = r[FIELD[s]] as Stat | undefined;
      return st ? [num(st.median), num(st.min), num(st.max)] : ['', '', ''];
    }),
    r.idleRttMs === undefined ? '' : num(r.idleRttMs),
    String(r.runs.length),
  ]);
  return [header, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\n') + '\n';
}

const num = (v: number) => String(Number(v.toPrecision(8)));
const csvCell = (c: string) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);

/** results.json and `bench --json`: the common JSON style (a version, snake_case keys), with the verdict per knob. */
export function toJson(report: BenchReport, verdicts: readonly KnobVerdict[] = []): string {
  return jsonText(snakeKeys({ ...report, verdicts }) as object);
}
