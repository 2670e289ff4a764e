/**
 * Tool output → data, on output captured from real runs
 * (test/fixtures/outputs): IPv4, IPv6, total loss, cut-short output.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastError, withServerSide } from '../../src/checks/iperf-server.js';
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

describe('ping output, every figure exactly', () => {
  it('counts with two-digit numbers, duplicates and errors, the four RTT figures, and ping\'s local error from stdout', () => {
    const s = parsePing('12 packets transmitted, 10 received, +2 duplicates, 16.6667% packet loss, time 11ms\nrtt min/avg/max/mdev = 0.041/0.052/0.107/0.018 ms\nping: local error: message too long, mtu=1400  \n');
    expect(s).toEqual({ transmitted: 12, received: 10, loss: 16.6667, rtt: { min: 0.041, avg: 0.052, max: 0.107, mdev: 0.018 }, localError: 'message too long, mtu=1400' });
    expect(parsePing('10 packets transmitted, 0 received, +10 errors, 100% packet loss\n')).toEqual({ transmitted: 10, received: 0, loss: 100 });
  });

  it('busybox\'s "round-trip" line, and "No route to host" from sendmsg', () => {
    expect(parsePing('3 packets transmitted, 3 received, 0% packet loss\nround-trip min/avg/max/mdev = 1/2/3/4 ms\n')!.rtt).toEqual({ min: 1, avg: 2, max: 3, mdev: 4 });
    expect(parsePing('ping: sendmsg: No route to host\n')).toEqual({ transmitted: 0, received: 0, loss: 100, localError: 'No route to host' });
  });
});

describe('fping output, every figure exactly', () => {
  it('reads multi-digit counts and the RTTs, padded names, and skips lines that are not summaries', () => {
    const text = 'fping: some warning\n10.9.0.2    : xmt/rcv/%loss = 10/9/10%, min/avg/max = 0.05/0.07/0.12\nfd09::2 : xmt/rcv/%loss = 12/12/0%\n';
    expect(parseFping(text)).toEqual([
      { target: '10.9.0.2', transmitted: 10, received: 9, loss: 10, rtt: { min: 0.05, avg: 0.07, max: 0.12 } },
      { target: 'fd09::2', transmitted: 12, received: 12, loss: 0 },
    ]);
  });
});

describe('iperf3 -J output that is not a measurement', () => {
  it('says what is missing: any output, the summary, the UDP summary, the TCP receiver\'s', () => {
    expect(parseIperf('  \n')).toEqual({ ok: false, error: 'iperf3 printed nothing' });
    expect(parseIperf('{}')).toEqual({ ok: false, error: 'iperf3 output has no summary' });
    expect(parseIperf('{"start":{"test_start":{"protocol":"UDP"}},"end":{}}')).toEqual({ ok: false, error: 'iperf3 UDP output has no summary' });
    expect(parseIperf('{"start":{"test_start":{"protocol":"TCP"}},"end":{"sum_sent":{"seconds":1}}}')).toEqual({ ok: false, error: 'iperf3 TCP output has no receiver summary' });
  });

  it('reads TCP exactly, with or without the sender\'s retransmits, even without a start section', () => {
    expect(parseIperf('{"end":{"sum_received":{"bits_per_second":5e8,"seconds":3},"sum_sent":{"seconds":3,"retransmits":7}}}')).toEqual({ ok: true, result: { protocol: 'tcp', bitsPerSecond: 5e8, seconds: 3, retransmits: 7 } });
    expect(parseIperf('{"start":{},"end":{"sum_received":{"bits_per_second":5e8,"seconds":3}}}')).toEqual({ ok: true, result: { protocol: 'tcp', bitsPerSecond: 5e8, seconds: 3, retransmits: undefined } });
  });

  it('takes an end with only a sender\'s `sum` as UDP, whatever the start says', () => {
    const r = parseIperf('{"end":{"sum":{"bits_per_second":1e6,"seconds":2,"lost_percent":50,"jitter_ms":0.5}}}');
    expect(r).toEqual({ ok: true, result: { protocol: 'udp', bitsPerSecond: 5e5, seconds: 2, lossPercent: 50, jitterMs: 0.5 } });
  });
});

describe('iperf3 server output: what ended it, for the client\'s error message', () => {
  it('the server that answered a datagram left from the run before (captured: test/integration/iperf-queued.test.ts\'s lab, without the wait)', () => {
    const said = lastError(out('iperf3-server-stale-hello.txt'));
    expect(said).toBe('unable to read from stream socket: Connection refused');
    expect(withServerSide('unable to read from stream socket: Resource temporarily unavailable', said)).toBe(
      'unable to read from stream socket: Resource temporarily unavailable (the server: unable to read from stream socket: Connection refused)',
    );
  });
  it('a server that printed no error adds nothing', () => {
    expect(lastError('-----\nServer listening on 5201 (test #1)\n-----\n')).toBeUndefined();
    expect(withServerSide('iperf3 printed nothing', undefined)).toBe('iperf3 printed nothing');
  });
});
