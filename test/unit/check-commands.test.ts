import { describe, expect, it } from 'vitest';
import { execArgv, fpingArgv, inNs, iperfClientArgv, iperfServerArgv, payloadFor, pingArgv, pingTimeoutMs } from '../../src/checks/commands.js';
import { evaluateIperf, evaluatePing } from '../../src/checks/evaluate.js';
import { verdict } from '../../src/checks/result.js';
import { sourcesPerRound } from '../../src/checks/neighbours.js';

describe('check commands', () => {
  it('ping: count, interval, per-reply wait; the process bound covers them all', () => {
    expect(pingArgv({ count: 5, interval: '100ms', timeout: '1s', size: 100 }, '10.0.0.2')).toEqual(['ping', '-n', '-q', '-c', '5', '-i', '0.1', '-W', '1', '-s', '100', '10.0.0.2']);
    expect(pingTimeoutMs({ count: 5, interval: '100ms', timeout: '1s' })).toBe(6500);
  });
  it('mtu: the payload that makes an IP packet of the given size, DF set', () => {
    expect(payloadFor(1500, '10.0.0.2')).toBe(1472);
    expect(payloadFor(1500, 'fd00::2')).toBe(1452);
    expect(pingArgv({ size: 1472 }, '10.0.0.2', { df: true })).toContain('-M');
  });
  it('fping: quiet, per-target summary, millisecond timeout', () => {
    expect(fpingArgv({ timeout: '200ms' }, ['10.0.0.1', '10.0.0.2'])).toEqual(['fping', '-q', '-c', '2', '-p', '50', '-i', '1', '-t', '200', '10.0.0.1', '10.0.0.2']);
  });
  it('iperf3: JSON, streams, reverse; UDP bitrate converted from tc units to bits/s', () => {
    expect(iperfClientArgv({ from: 'a', to: 'b', protocol: 'udp', bitrate: '50mbit', seconds: 2, streams: 2, reverse: true }, '10.0.0.2')).toEqual([
      'iperf3', '-c', '10.0.0.2', '-p', '5201', '-J', '-t', '2', '-P', '2', '-R', '-u', '-b', '50000000',
    ]);
  });
  it('iperf3 for the bench: buffer length and the sender\'s congestion control', () => {
    expect(iperfClientArgv({ seconds: 3 }, '10.0.2.2', { length: '128K', congestion: 'cubic' })).toEqual(['iperf3', '-c', '10.0.2.2', '-p', '5201', '-J', '-t', '3', '-P', '1', '-l', '128K', '-C', 'cubic']);
  });
  it('ping: the defaults (3 packets 0.2 s apart, 2 s wait), no size unless given, -M do only for DF', () => {
    expect(pingArgv({}, 'fd00::2')).toEqual(['ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '2', 'fd00::2']);
    expect(pingArgv({ size: 0 }, '10.0.0.2', { df: true }).slice(-5)).toEqual(['-s', '0', '-M', 'do', '10.0.0.2']);
    expect(pingArgv({}, '10.0.0.2', { df: false })).not.toContain('-M');
  });
  it('iperf3 server: one test, output flushed (its ready line), bound to the address on the check\'s port', () => {
    expect(iperfServerArgv('10.0.0.2')).toEqual(['iperf3', '-s', '-1', '--forceflush', '-B', '10.0.0.2', '-p', '5201']);
  });
  it('iperf3 client: UDP at 100 Mbit/s unless told; TCP unlimited unless a bitrate is given', () => {
    expect(iperfClientArgv({ protocol: 'udp' }, 'x').slice(-3)).toEqual(['-u', '-b', '100000000']);
    expect(iperfClientArgv({ bitrate: '1gbit' }, 'x').slice(-2)).toEqual(['-b', '1000000000']);
    expect(iperfClientArgv({}, 'x')).toEqual(['iperf3', '-c', 'x', '-p', '5201', '-J', '-t', '3', '-P', '1']);
  });
  it('exec: a string runs under sh -c, a list is an argv', () => {
    expect(execArgv('echo hi | grep hi')).toEqual(['sh', '-c', 'echo hi | grep hi']);
    expect(execArgv(['ip', 'route'])).toEqual(['ip', 'route']);
  });
  it('everything runs in the node through nsenter --net', () => {
    expect(inNs('lab-h1', ['ping'])).toEqual(['nsenter', '--net=/run/netns/lab-h1', 'ping']);
  });
});

describe('thresholds', () => {
  const stats = { transmitted: 10, received: 9, loss: 10, rtt: { min: 49, avg: 50.5, max: 55, mdev: 1 } };
  it('ping: loss and RTT bounds, upper and lower', () => {
    expect(evaluatePing({ from: 'a', to: 'b', max_loss: '20%', min_rtt: { avg: '45ms' }, max_rtt: { avg: '55ms' } }, stats).held).toBe(true);
    const tight = evaluatePing({ from: 'a', to: 'b', max_loss: '5%' }, stats);
    expect(tight.held).toBe(false);
    expect(tight.measurements.find((m) => m.name === 'loss')).toMatchObject({ value: '10%', expected: '≤ 5%', ok: false });
  });
  it('ping: nothing back fails even without bounds', () => {
    expect(evaluatePing({ from: 'a', to: 'b' }, { transmitted: 3, received: 0, loss: 100 }).held).toBe(false);
  });
  it('iperf: throughput floor, retransmits, UDP loss and jitter', () => {
    const r = evaluateIperf({ from: 'a', to: 'b', min: '500Mbit/s', max_retransmits: 10 }, { protocol: 'tcp', bitsPerSecond: 400e6, seconds: 3, retransmits: 2 });
    expect(r.held).toBe(false);
    expect(r.measurements[0]).toMatchObject({ name: 'throughput', value: '400 Mbit/s', expected: '≥ 500 Mbit/s', ok: false });
    expect(evaluateIperf({ from: 'a', to: 'b', max_loss: '1%', max_jitter: '1ms' }, { protocol: 'udp', bitsPerSecond: 1e6, seconds: 3, lossPercent: 0.5, jitterMs: 0.2 }).held).toBe(true);
  });
  it('a negative check passes exactly when its conditions fail', () => {
    expect(verdict(false, 'fail')).toBe('pass');
    expect(verdict(true, 'fail')).toBe('fail');
    expect(verdict(true, 'pass')).toBe('pass');
  });
});

describe('reach and the host-wide ARP table', () => {
  it('pings from as many sources at once as the table has room for', () => {
    // 50 nodes: 100 entries per source; a 1024-entry table with 0 in use → 8 sources
    expect(sourcesPerRound(50, 1024, 0)).toBe(8);
    // a roomy table: all at once
    expect(sourcesPerRound(50, 65536, 0)).toBe(50);
    // a nearly full table still makes progress, one source at a time
    expect(sourcesPerRound(50, 1024, 1000)).toBe(1);
  });
});
