/**
 * Tool output → data, on output captured from real runs
 * (test/fixtures/outputs): IPv4, IPv6, total loss, cut-short output.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFping, parseIperf, parsePing } from '../../src/checks/parse.js';
import { FIXTURES, read } from '../helpers/fixtures.js';

const out = (f: string) => read(join(FIXTURES, 'outputs', f));

describe('ping output', () => {
  it('IPv4: counts and RTT', () => {
    const s = parsePing(out('ping-ipv4.txt'))!;
    expect(s).toMatchObject({ transmitted: 3, received: 3, loss: 0 });
    expect(s.rtt!.avg).toBeGreaterThan(0);
    expect(s.rtt!.min).toBeLessThanOrEqual(s.rtt!.max);
  });
  it('IPv6', () => {
    expect(parsePing(out('ping-ipv6.txt'))).toMatchObject({ transmitted: 3, received: 3, loss: 0, rtt: expect.any(Object) });
  });
  it('100 % loss: no RTT at all', () => {
    const s = parsePing(out('ping-loss100.txt'))!;
    expect(s).toMatchObject({ transmitted: 2, received: 0, loss: 100 });
    expect(s.rtt).toBeUndefined();
  });
  it('truncated output (ping killed before its summary) is no result, not a pass', () => {
    expect(parsePing(out('ping-truncated.txt'))).toBeUndefined();
  });
  it('no route at all: ping exits before sending; that is total loss, not a broken tool', () => {
    expect(parsePing('', 'ping: connect: Network is unreachable\n')).toEqual({ transmitted: 0, received: 0, loss: 100, localError: 'Network is unreachable' });
  });
  it('a local PMTU error and the "+N errors" form', () => {
    const s = parsePing('1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n', 'ping: local error: message too long, mtu=1400\n')!;
    expect(s).toMatchObject({ received: 0, loss: 100, localError: 'message too long, mtu=1400' });
  });
});

describe('fping output', () => {
  it('one line per target: reached IPv4 and IPv6, and an unreachable one', () => {
    expect(parseFping(out('fping-mixed.txt'))).toEqual([
      expect.objectContaining({ target: '10.9.0.2', received: 3, loss: 0, rtt: expect.any(Object) }),
      { target: '10.9.0.77', transmitted: 3, received: 0, loss: 100 },
      expect.objectContaining({ target: 'fd09::2', received: 3, loss: 0 }),
    ]);
  });
});

describe('iperf3 -J output', () => {
  it('TCP: receiver throughput and sender retransmits', () => {
    const r = parseIperf(out('iperf3-tcp.json'));
    expect(r.ok && r.result.protocol).toBe('tcp');
    expect(r.ok && r.result.bitsPerSecond).toBeGreaterThan(1e9);
    expect(r.ok && typeof r.result.retransmits).toBe('number');
  });
  it('UDP: loss and jitter', () => {
    const r = parseIperf(out('iperf3-udp.json'));
    expect(r.ok && r.result).toMatchObject({ protocol: 'udp', lossPercent: expect.any(Number), jitterMs: expect.any(Number) });
  });
  it('UDP: throughput is what arrived, not what was sent (30 Mbit/s offered into a 20 Mbit/s bottleneck)', () => {
    const r = parseIperf(out('iperf3-udp-bottleneck.json'));
    // iperf3's `sum` is the sender's 29.99 Mbit/s; 15.6 % was lost at the bottleneck.
    expect(r.ok && r.result).toMatchObject({ protocol: 'udp', bitsPerSecond: 19487682.11206689, lossPercent: 15.585168018539976 });
    expect(parseIperf(out('iperf3-udp.json')).ok && (parseIperf(out('iperf3-udp.json')) as { result: { bitsPerSecond: number } }).result.bitsPerSecond).toBe(49952251.12003607);
  });
  it('UDP from an iperf3 without a receiver summary: the sent rate less what was lost', () => {
    const doc = JSON.parse(out('iperf3-udp-bottleneck.json'));
    delete doc.end.sum_received;
    const r = parseIperf(JSON.stringify(doc));
    expect(r.ok && r.result.bitsPerSecond).toBeCloseTo(29989731.426145814 * (1 - 0.15585168018539976), 0);
  });
  it('truncated JSON is an error that says so', () => {
    expect(parseIperf(out('iperf3-truncated.json'))).toEqual({ ok: false, error: 'iperf3 output was cut short (not complete JSON)' });
  });
  it('iperf3 own error (server not there) is reported', () => {
    expect(parseIperf(out('iperf3-refused.json'))).toEqual({ ok: false, error: 'iperf3: unable to connect to server: Connection refused' });
  });
});
