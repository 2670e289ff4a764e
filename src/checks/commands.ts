/**
 * The exact argv of every check tool, built from a check's spec. Pure, so
 * what a check runs is reviewable and unit-tested. Commands run inside a
 * node's namespace through `nsenter --net` (see DESIGN.md).
 */
import { NETNS_DIR } from '../exec/batch.js';
import { parseRate, parseTime } from '../topology/units.js';
import type { RawCheck } from '../topology/schema.js';

export const IPERF_PORT = 5201;

export function inNs(ns: string, argv: string[]): string[] {
  return ['nsenter', `--net=${NETNS_DIR}/${ns}`, ...argv];
}

/** seconds, as ping and fping want them, from a `10ms`-style time */
export function seconds(time: string | undefined, fallback: number): number {
  return time === undefined ? fallback : parseTime(time)! / 1e6;
}

const isV6 = (address: string) => address.includes(':');

export function pingArgv(spec: Pick<RawCheck['ping'], 'count' | 'interval' | 'timeout' | 'size'>, target: string, opts: { df?: boolean } = {}): string[] {
  // Not -w: with a deadline ping keeps sending until `count` replies come,
  // which turns a failing probe into a long one. The runner's timeout
  // (pingTimeoutMs) bounds the run instead.
  const { count, interval, wait } = pingTiming(spec);
  return [
    'ping', '-n', '-q', '-c', String(count), '-i', String(interval), '-W', String(wait),
    ...(spec.size !== undefined ? ['-s', String(spec.size)] : []),
    ...(opts.df ? ['-M', 'do'] : []),
    target,
  ];
}

function pingTiming(spec: Pick<RawCheck['ping'], 'count' | 'interval' | 'timeout'>) {
  return { count: spec.count ?? 3, interval: seconds(spec.interval, 0.2), wait: seconds(spec.timeout, 2) };
}

/** Longest a ping run can take, with margin: the bound for the process. */
export function pingTimeoutMs(spec: Pick<RawCheck['ping'], 'count' | 'interval' | 'timeout'>): number {
  const { count, interval, wait } = pingTiming(spec);
  return Math.ceil((count * interval + wait + 5) * 1000);
}

/** The ICMP payload that makes a `size`-byte IP packet. */
export function payloadFor(size: number, target: string): number {
  return size - (isV6(target) ? 48 : 28);
}

export function fpingArgv(spec: Pick<RawCheck['reach'], 'count' | 'timeout'>, targets: string[]): string[] {
  const timeoutMs = Math.round(seconds(spec.timeout, 0.5) * 1000);
  return ['fping', '-q', '-c', String(spec.count ?? 2), '-p', '50', '-i', '1', '-t', String(timeoutMs), ...targets];
}

export function iperfServerArgv(bind: string): string[] {
  // --forceflush: iperf3 buffers its "Server listening" line when stdout is a
  // pipe, and that line is how the check knows the server is ready.
  return ['iperf3', '-s', '-1', '--forceflush', '-B', bind, '-p', String(IPERF_PORT)];
}

/** `length`: iperf3's buffer length (-l), for benchmarks. */
export function iperfClientArgv(spec: Partial<RawCheck['iperf']>, target: string, extra: { length?: string; congestion?: string } = {}): string[] {
  const udp = spec.protocol === 'udp';
  return [
    'iperf3', '-c', target, '-p', String(IPERF_PORT), '-J',
    '-t', String(spec.seconds ?? 3),
    '-P', String(spec.streams ?? 1),
    ...(extra.length ? ['-l', extra.length] : []),
    ...(extra.congestion ? ['-C', extra.congestion] : []),
    ...(spec.reverse ? ['-R'] : []),
    // iperf3 wants plain bits per second; tc-style units are converted here.
    ...(udp ? ['-u', '-b', bitsPerSecond(spec.bitrate ?? '100mbit')] : spec.bitrate ? ['-b', bitsPerSecond(spec.bitrate)] : []),
  ];
}

export function execArgv(cmd: string | string[]): string[] {
  return Array.isArray(cmd) ? cmd : ['sh', '-c', cmd];
}

function bitsPerSecond(rate: string): string {
  return String(Math.round(parseRate(rate)!));
}
