/**
 * Latency under load: a ping at a fixed interval beside every throughput
 * run, each reply's RTT kept, summarised as percentiles. An average hides
 * what a queue does: a queue that fills for a tenth of the run leaves the
 * median alone and moves p99 (and the user's video call). Pure.
 */

/** The probe's interval. 50 ms gives 60 samples in a 3 s run; ping allows below 0.2 s to root only, and bench runs as root. */
export const PROBE_INTERVAL_S = 0.05;

/** Probes sent on the idle path before each combination: its baseline RTT. */
export const IDLE_PROBES = 20;

export interface Latency {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

/**
 * The nearest-rank percentile: the smallest sample with at least p % of the
 * samples at or below it. Always a value that was measured (no
 * interpolation between two RTTs that never happened).
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('no samples');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function latencyOf(samples: readonly number[]): Latency | undefined {
  if (samples.length === 0) return undefined;
  const s = [...samples].sort((a, b) => a - b);
  return { p50Ms: percentile(s, 50), p90Ms: percentile(s, 90), p99Ms: percentile(s, 99), maxMs: s.at(-1)!, samples: s.length };
}

/** Each reply's RTT from ping's output (`… icmp_seq=3 ttl=64 time=0.045 ms`); lost probes print nothing. */
export function rttSamples(pingStdout: string): number[] {
  const out: number[] = [];
  for (const m of pingStdout.matchAll(/ icmp_seq=\d+ .*?time=([\d.]+) ms/g)) out.push(Number(m[1]));
  return out;
}

/** The ping that probes while iperf3 runs, or on the idle path: every reply printed (no -q). */
export function probeArgv(target: string, opts: { seconds?: number; count?: number }): string[] {
  const bound = opts.count !== undefined ? ['-c', String(opts.count)] : ['-w', String(Math.max(1, Math.floor(opts.seconds ?? 1)))];
  return ['ping', '-n', '-i', String(PROBE_INTERVAL_S), ...bound, target];
}
