/**
 * What ping, fping and iperf3 print, as data. Pure and tested on captured
 * output (test/fixtures/outputs), including IPv6, total loss and output cut
 * short by a killed process.
 */

export interface PingStats {
  transmitted: number;
  received: number;
  /** percent */
  loss: number;
  /** milliseconds; absent when nothing came back */
  rtt?: { min: number; avg: number; max: number; mdev: number };
  /** ping's own local error, e.g. "message too long, mtu=1500" */
  localError?: string;
}

/** iputils ping's summary. Undefined when the summary never came (truncated output). */
export function parsePing(stdout: string, stderr = ''): PingStats | undefined {
  const sum = /(\d+) packets transmitted, (\d+) received(?:, \+\d+ errors)?(?:, \+\d+ duplicates)?, ([\d.]+)% packet loss/.exec(stdout);
  if (!sum) {
    // No route at all: ping gives up before sending, with no summary. That is
    // a measurement (nothing got through), not a broken tool.
    const unreachable = /(?:connect|sendmsg): (Network is unreachable|No route to host)/.exec(`${stderr}\n${stdout}`);
    return unreachable ? { transmitted: 0, received: 0, loss: 100, localError: unreachable[1] } : undefined;
  }
  const stats: PingStats = { transmitted: Number(sum[1]), received: Number(sum[2]), loss: Number(sum[3]) };
  const rtt = /(?:rtt|round-trip) min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(stdout);
  if (rtt) stats.rtt = { min: Number(rtt[1]), avg: Number(rtt[2]), max: Number(rtt[3]), mdev: Number(rtt[4]) };
  const local = /local error: (.*)/.exec(`${stderr}\n${stdout}`);
  if (local) stats.localError = local[1]!.trim();
  return stats;
}

export interface FpingTarget {
  target: string;
  transmitted: number;
  received: number;
  loss: number;
  rtt?: { min: number; avg: number; max: number };
}

/** `fping -c N -q` per-target summary lines (printed on stderr). */
export function parseFping(stderr: string): FpingTarget[] {
  const out: FpingTarget[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^(\S+)\s*: xmt\/rcv\/%loss = (\d+)\/(\d+)\/(\d+)%(?:, min\/avg\/max = ([\d.]+)\/([\d.]+)\/([\d.]+))?/.exec(line.trim());
    if (!m) continue;
    const t: FpingTarget = { target: m[1]!, transmitted: Number(m[2]), received: Number(m[3]), loss: Number(m[4]) };
    if (m[5]) t.rtt = { min: Number(m[5]), avg: Number(m[6]), max: Number(m[7]) };
    out.push(t);
  }
  return out;
}

export interface IperfResult {
  protocol: 'tcp' | 'udp';
  /** bits per second at the receiver */
  bitsPerSecond: number;
  seconds: number;
  retransmits?: number;
  /** UDP */
  lossPercent?: number;
  jitterMs?: number;
}

export type IperfParse = { ok: true; result: IperfResult } | { ok: false; error: string };

/** `iperf3 -J` output: the receiver's view is what was delivered. */
export function parseIperf(json: string): IperfParse {
  let doc: {
    error?: string;
    start?: { test_start?: { protocol?: string } };
    end?: {
      sum_received?: { bits_per_second: number; seconds: number };
      sum_sent?: { retransmits?: number; seconds: number };
      sum?: { bits_per_second: number; seconds: number; lost_percent?: number; jitter_ms?: number };
    };
  };
  try {
    doc = JSON.parse(json);
  } catch {
    return { ok: false, error: json.trim() ? 'iperf3 output was cut short (not complete JSON)' : 'iperf3 printed nothing' };
  }
  if (doc.error) return { ok: false, error: `iperf3: ${doc.error}` };
  const end = doc.end;
  if (!end) return { ok: false, error: 'iperf3 output has no summary' };
  if (doc.start?.test_start?.protocol === 'UDP' || (end.sum && !end.sum_received)) {
    if (!end.sum) return { ok: false, error: 'iperf3 UDP output has no summary' };
    // `sum` is the sender's view: the offered rate, whatever was lost on the
    // way (30 Mbit/s into a 20 Mbit/s bottleneck read as 30). What arrived is
    // the receiver's summary, or — from an iperf3 without one — the offered
    // rate less the loss.
    const lost = end.sum.lost_percent ?? 0;
    const arrived = end.sum_received?.bits_per_second ?? end.sum.bits_per_second * (1 - lost / 100);
    return { ok: true, result: { protocol: 'udp', bitsPerSecond: arrived, seconds: end.sum.seconds, lossPercent: end.sum.lost_percent, jitterMs: end.sum.jitter_ms } };
  }
  if (!end.sum_received) return { ok: false, error: 'iperf3 TCP output has no receiver summary' };
  return { ok: true, result: { protocol: 'tcp', bitsPerSecond: end.sum_received.bits_per_second, seconds: end.sum_received.seconds, retransmits: end.sum_sent?.retransmits } };
}
