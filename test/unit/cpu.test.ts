/**
 * CPU per gigabit: CPU time from /proc/stat (busy = all but idle and
 * iowait), per gigabit that arrived.
 */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../src/bench/aggregate.js';
import { cpuJiffies, cpuSecondsPerGbit } from '../../src/bench/cpu.js';
import { tableRow } from '../../src/report/bench.js';

const stat = (user: number, system: number, idle: number, iowait: number, softirq: number) => `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 ${softirq} 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n`;

describe('rule: CPU time is every jiffy but idle and iowait, of the whole machine', () => {
  it('user, system and softirq count; idle and iowait do not', () => {
    expect(cpuJiffies(stat(100, 50, 1000, 30, 20))).toEqual({ busy: 170, total: 1200 });
  });
  it('3 s at 10 Gbit/s (30 Gbit) that cost 150 busy jiffies (1.5 CPU-seconds): 0.05 s per Gbit', () => {
    expect(cpuSecondsPerGbit(stat(100, 50, 1000, 0, 0), stat(200, 80, 1100, 0, 20), 10e9, 3)).toBeCloseTo(0.05, 10);
  });
  it('nothing arrived: no figure rather than a division by zero', () => {
    expect(cpuSecondsPerGbit(stat(1, 1, 1, 0, 0), stat(2, 2, 2, 0, 0), 0, 3)).toBeUndefined();
  });
  it('aggregated like the other figures, shown in the table', () => {
    const r = aggregate({ mtu: 9000 }, [{ bitsPerSecond: 1e9, cpuSecPerGbit: 0.2 }, { bitsPerSecond: 1e9, cpuSecPerGbit: 0.4 }, { bitsPerSecond: 1e9, cpuSecPerGbit: 0.3 }]);
    expect(r.cpuSecPerGbit).toEqual({ median: 0.3, min: 0.2, max: 0.4 });
    expect(tableRow(r).at(-1)).toBe('0.30');
  });
});
