/**
 * CPU cost of a measurement: CPU time the whole machine spent while iperf3
 * ran, per gigabit that arrived. System-wide on purpose: a veth's work is
 * done in softirq on whichever CPU, attributed to no process of the lab.
 * So it counts everything else the machine did too — measure on a quiet host.
 */

/** Busy and total jiffies from the first line of /proc/stat (`cpu  user nice system idle iowait irq softirq steal …`). */
export function cpuJiffies(procStat: string): { busy: number; total: number } {
  const fields = procStat.split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3]! + fields[4]!;
  return { busy: total - idle, total };
}

/** USER_HZ: the unit of /proc/stat, 100 on every Linux architecture nslab runs on. */
const USER_HZ = 100;

/** CPU seconds per gigabit transferred, from /proc/stat read before and after. */
export function cpuSecondsPerGbit(before: string, after: string, bitsPerSecond: number, seconds: number): number | undefined {
  const gbit = (bitsPerSecond * seconds) / 1e9;
  if (!(gbit > 0)) return undefined;
  const busy = cpuJiffies(after).busy - cpuJiffies(before).busy;
  return busy / USER_HZ / gbit;
}
