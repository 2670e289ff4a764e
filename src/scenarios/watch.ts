/**
 * A watch: a probe running in the background through a scenario, measuring
 * loss and the longest outage. `ping -D -O` at a fixed interval: every
 * answer is timestamped, every probe that got none is reported. It stops with
 * SIGINT (ping then flushes its output and exits; its output to a pipe is
 * buffered, so any other signal would lose it).
 *
 * The outage is the longest run of unanswered probes, on the clock: from
 * the last answer before it to the first answer after it, less one interval
 * — accurate to within one interval either way (tested against a link held
 * down for a known time). Probes unanswered at the end count up to the last
 * probe.
 */
import { startBackground, type Background } from '../exec/runner.js';
import { shJoin } from '../render/shell.js';
import { inNs } from '../checks/commands.js';

export interface WatchStats {
  sent: number;
  received: number;
  lossPct: number;
  /** the longest time without an answer, ms */
  outageMs: number;
  /** when, from the watch's start: the last answer before the longest outage and the first after it (ms) */
  outageFromMs?: number;
  outageToMs?: number;
}

/** Lines of `ping -D -O -n` → the figures. Pure. */
export function watchStats(stdout: string, intervalMs: number): WatchStats {
  const answered = new Map<number, number>(); // seq → time (s)
  let maxSeq = 0;
  let firstTime: number | undefined;
  let lastTime: number | undefined;
  for (const line of stdout.split('\n')) {
    const m = /^\[(\d+\.\d+)\] (?:.*icmp_seq=(\d+).*time=|no answer yet for icmp_seq=(\d+))/.exec(line);
    if (!m) continue;
    const t = Number(m[1]);
    firstTime ??= t;
    lastTime = t;
    const seq = Number(m[2] ?? m[3]);
    maxSeq = Math.max(maxSeq, seq);
    if (m[2] !== undefined && !answered.has(seq)) answered.set(seq, t);
  }
  const summary = /(\d+) packets transmitted, (\d+) received/.exec(stdout);
  const sent = summary ? Number(summary[1]) : maxSeq;
  const received = summary ? Number(summary[2]) : answered.size;
  // Longest run of unanswered sequence numbers, measured on the clock.
  let outageMs = 0;
  let from: number | undefined;
  let to: number | undefined;
  let lastOk: { seq: number; t: number } | undefined;
  const start = firstTime ?? 0;
  for (let seq = 1; seq <= Math.max(sent, maxSeq); seq++) {
    const t = answered.get(seq);
    if (t === undefined) continue;
    if (lastOk && seq > lastOk.seq + 1) {
      const gap = (t - lastOk.t) * 1000 - intervalMs;
      if (gap > outageMs) [outageMs, from, to] = [gap, lastOk.t, t];
    } else if (!lastOk && seq > 1) {
      const gap = (seq - 1) * intervalMs;
      if (gap > outageMs) [outageMs, from, to] = [gap, start, t];
    }
    lastOk = { seq, t };
  }
  // Still unanswered when the watch stopped: from the last answer to the last probe, on the
  // clock (a count of probes × the interval undercounts when ping's pace slips under load:
  // measured 20 ms asked, ~24 ms kept).
  const tail = Math.max(sent, maxSeq) - (lastOk?.seq ?? 0);
  if (tail > 0) {
    const gap = lastOk && lastTime !== undefined ? (lastTime - lastOk.t) * 1000 : tail * intervalMs;
    if (gap > outageMs) [outageMs, from, to] = [gap, lastOk?.t ?? start, lastTime];
  }
  return {
    sent,
    received,
    lossPct: sent ? Math.round(((sent - received) / sent) * 10000) / 100 : 0,
    outageMs: Math.round(outageMs),
    ...(from !== undefined ? { outageFromMs: Math.round((from - start) * 1000) } : {}),
    ...(to !== undefined ? { outageToMs: Math.round((to - start) * 1000) } : {}),
  };
}

export interface RunningWatch {
  command: string;
  stop(): Promise<{ stats: WatchStats; stdout: string; stderr: string }>;
}

export async function startWatch(ns: string, target: string, intervalMs: number): Promise<RunningWatch> {
  const argv = ['ping', '-D', '-O', '-n', '-i', String(intervalMs / 1000), '-W', '1', target];
  const bg: Background = startBackground(inNs(ns, argv), /^PING /m);
  await bg.ready;
  return {
    command: `ip netns exec ${ns} ${shJoin(argv)}`,
    async stop() {
      const r = await bg.stop('SIGINT');
      return { stats: watchStats(r.stdout, intervalMs), stdout: r.stdout, stderr: r.stderr };
    },
  };
}
