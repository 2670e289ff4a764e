/**
 * Repetitions of one combination → median, min and max of each figure.
 * The median, not the mean: one disturbed run should not move the result.
 */
import { comboLabel, type Combination } from './sweep.js';

export interface RunMeasurement {
  bitsPerSecond: number;
  retransmits?: number;
  /** ping RTT average while iperf3 ran: latency under load */
  rttMs?: number;
  /** its percentiles and maximum, over every reply of the run (latency.ts) */
  rttP50Ms?: number;
  rttP90Ms?: number;
  rttP99Ms?: number;
  rttMaxMs?: number;
  /** CPU seconds the machine spent per gigabit that arrived (cpu.ts) */
  cpuSecPerGbit?: number;
  /** UDP */
  lossPct?: number;
  jitterMs?: number;
}

export interface Stat {
  median: number;
  min: number;
  max: number;
}

export interface ComboResult {
  combo: Combination;
  label: string;
  runs: RunMeasurement[];
  throughput: Stat;
  retransmits?: Stat;
  rttMs?: Stat;
  rttP50Ms?: Stat;
  rttP90Ms?: Stat;
  rttP99Ms?: Stat;
  rttMaxMs?: Stat;
  cpuSecPerGbit?: Stat;
  /** the median RTT on the idle path, just before this combination's runs: what "under load" adds to */
  idleRttMs?: number;
  lossPct?: Stat;
  jitterMs?: Stat;
}

export function stat(values: readonly number[]): Stat | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)! };
}

export function aggregate(combo: Combination, runs: readonly RunMeasurement[], idleRttMs?: number): ComboResult {
  const of = (pick: (r: RunMeasurement) => number | undefined) => stat(runs.map(pick).filter((v): v is number => v !== undefined));
  const result: ComboResult = { combo, label: comboLabel(combo), runs: [...runs], throughput: of((r) => r.bitsPerSecond)! };
  const optional = {
    retransmits: of((r) => r.retransmits), rttMs: of((r) => r.rttMs),
    rttP50Ms: of((r) => r.rttP50Ms), rttP90Ms: of((r) => r.rttP90Ms), rttP99Ms: of((r) => r.rttP99Ms), rttMaxMs: of((r) => r.rttMaxMs),
    lossPct: of((r) => r.lossPct), jitterMs: of((r) => r.jitterMs), cpuSecPerGbit: of((r) => r.cpuSecPerGbit),
  };
  for (const [k, v] of Object.entries(optional)) if (v) (result as unknown as Record<string, Stat>)[k] = v;
  if (idleRttMs !== undefined) result.idleRttMs = idleRttMs;
  return result;
}
