/**
 * Verdicts at their boundaries: a bound is inclusive (`max_loss: 1%` passes
 * at exactly 1 %), a negative check inverts only a measurement, never an
 * error, and the figures behind each verdict are kept as numbers.
 */
import { describe, expect, it } from 'vitest';
import { evaluateIperf, evaluatePing, reachVerdict, summarise } from '../../src/checks/evaluate.js';
import { parsePing } from '../../src/checks/parse.js';
import { verdict } from '../../src/checks/result.js';
import { selectByName } from '../../src/checks/select.js';
import { UsageError } from '../../src/diagnostics.js';

const stats = (over: Partial<ReturnType<typeof parsePing> & object> = {}) => ({ transmitted: 200, received: 198, loss: 1, rtt: { min: 1, avg: 2, max: 3, mdev: 0.5 }, ...over });

describe('rule: ping bounds are inclusive', () => {
  it('loss exactly at max_loss passes; just above fails', () => {
    expect(evaluatePing({ from: 'a', to: 'b', max_loss: '1%' }, stats({ loss: 1 })).held).toBe(true);
    expect(evaluatePing({ from: 'a', to: 'b', max_loss: '1%' }, stats({ loss: 1.01 })).held).toBe(false);
    expect(evaluatePing({ from: 'a', to: 'b', max_loss: '0.5%' }, stats({ loss: 0.5 })).held).toBe(true);
    expect(evaluatePing({ from: 'a', to: 'b', max_loss: '0.5%' }, stats({ loss: 0.6 })).held).toBe(false);
  });
  it('rtt exactly at max_rtt or min_rtt passes; beyond fails', () => {
    expect(evaluatePing({ from: 'a', to: 'b', max_rtt: { avg: '2ms' } }, stats()).held).toBe(true);
    expect(evaluatePing({ from: 'a', to: 'b', max_rtt: { avg: '1.9ms' } }, stats()).held).toBe(false);
    expect(evaluatePing({ from: 'a', to: 'b', min_rtt: { min: '1ms' } }, stats()).held).toBe(true);
    expect(evaluatePing({ from: 'a', to: 'b', min_rtt: { min: '1.1ms' } }, stats()).held).toBe(false);
  });
  it('nothing received fails even without bounds', () => {
    expect(evaluatePing({ from: 'a', to: 'b' }, stats({ received: 0, loss: 100, rtt: undefined })).held).toBe(false);
  });
  it('keeps the figures as numbers, units in the keys', () => {
    expect(evaluatePing({ from: 'a', to: 'b' }, stats()).metrics).toEqual({ transmitted: 200, received: 198, loss_pct: 1, rtt_min_ms: 1, rtt_avg_ms: 2, rtt_max_ms: 3, rtt_mdev_ms: 0.5 });
  });
});

describe('rule: a ping that cannot send says 0 of N, and why', () => {
  for (const why of ['Network is unreachable', 'No route to host']) {
    it(why, () => {
      const parsed = parsePing('', `ping: connect: ${why}\n`)!;
      expect(parsed).toMatchObject({ transmitted: 0, received: 0, loss: 100, localError: why });
      const e = evaluatePing({ from: 'a', to: 'b', count: 5 }, parsed);
      expect(e.held).toBe(false);
      expect(e.measurements[0]!.value).toBe(`0/5 (${why})`);
    });
  }
  it('loss is read as the decimal ping prints, not truncated', () => {
    expect(parsePing('1000 packets transmitted, 995 received, 0.5% packet loss, time 999ms\n')!.loss).toBe(0.5);
  });
});

describe('rule: iperf bounds are inclusive', () => {
  const r = { protocol: 'tcp' as const, bitsPerSecond: 500e6, seconds: 3, retransmits: 10 };
  it('throughput exactly at min passes; below fails', () => {
    expect(evaluateIperf({ from: 'a', to: 'b', min: '500mbit' }, r).held).toBe(true);
    expect(evaluateIperf({ from: 'a', to: 'b', min: '501mbit' }, r).held).toBe(false);
  });
  it('retransmits exactly at the maximum pass; above fail', () => {
    expect(evaluateIperf({ from: 'a', to: 'b', max_retransmits: 10 }, r).held).toBe(true);
    expect(evaluateIperf({ from: 'a', to: 'b', max_retransmits: 9 }, r).held).toBe(false);
  });
  it('UDP loss and jitter at their bounds pass', () => {
    const u = { protocol: 'udp' as const, bitsPerSecond: 1e6, seconds: 3, lossPercent: 1, jitterMs: 0.5 };
    expect(evaluateIperf({ from: 'a', to: 'b', max_loss: '1%', max_jitter: '0.5ms' }, u).held).toBe(true);
    expect(evaluateIperf({ from: 'a', to: 'b', max_loss: '0.9%' }, u).held).toBe(false);
    expect(evaluateIperf({ from: 'a', to: 'b', max_jitter: '0.4ms' }, u).held).toBe(false);
    expect(evaluateIperf({ from: 'a', to: 'b' }, u).metrics).toEqual({ throughput_bps: 1e6, duration_s: 3, loss_pct: 1, jitter_ms: 0.5 });
  });
});

describe('rule: expect: fail inverts the network\'s behaviour', () => {
  it('pass when the conditions do not hold, fail when they do', () => {
    expect(verdict(false, 'fail')).toBe('pass');
    expect(verdict(true, 'fail')).toBe('fail');
    expect(verdict(true, 'pass')).toBe('pass');
    expect(verdict(false, 'pass')).toBe('fail');
  });
});

describe('rule: --only selects by exact name or regular expression, `!` excludes', () => {
  const checks = ['ping a -> b', 'ping a -> b (expect fail)', 'iperf a -> b', 'reach among 3 nodes'].map((name) => ({ name }));
  const names = (p: string[]) => selectByName(checks, p).map((c) => c.name);
  it('an exact name, parentheses and all', () => expect(names(['ping a -> b (expect fail)'])).toEqual(['ping a -> b (expect fail)']));
  it('a regular expression', () => expect(names(['^ping'])).toEqual(['ping a -> b', 'ping a -> b (expect fail)']));
  it('exclusion alone keeps the rest', () => expect(names(['!^ping'])).toEqual(['iperf a -> b', 'reach among 3 nodes']));
  it('inclusion and exclusion together', () => expect(names(['a -> b', '!expect fail'])).toEqual(['ping a -> b', 'iperf a -> b']));
  it('nothing selected is bad input (exit 2), naming the checks there are', () => {
    expect(() => names(['nope'])).toThrow(UsageError);
    try {
      names(['nope']);
    } catch (e) {
      expect((e as UsageError).exitCode).toBe(2);
      expect((e as UsageError).hint).toContain('"reach among 3 nodes"');
    }
  });
  it('an invalid regular expression still matches its exact name, and nothing else', () => expect(selectByName([{ name: 'a(' }, { name: 'b' }, { name: 'a(b' }], ['a(']).map((c) => c.name)).toEqual(['a(']));
  it('several inclusions select what any of them matches', () => expect(names(['^ping a -> b$', '^iperf'])).toEqual(['ping a -> b', 'iperf a -> b']));
  it('the message repeats the selection; the hint lists at most 15 names, or says there are none', () => {
    const many = Array.from({ length: 16 }, (_, i) => ({ name: `c${i}` }));
    const thrown = (all: { name: string }[], p: string[], what?: string) => {
      try {
        selectByName(all, p, what);
      } catch (e) {
        return { message: (e as UsageError).message, hint: (e as UsageError).hint };
      }
      return undefined;
    };
    expect(thrown(many, ['x', '!c1'])).toEqual({ message: '--only "x" --only "!c1" matches no check', hint: `the checks are: ${many.slice(0, 15).map((c) => `"${c.name}"`).join(', ')}, … (16 in all)` });
    expect(thrown(many.slice(0, 15), ['x'])!.hint).toBe(`the checks are: ${many.slice(0, 15).map((c) => `"${c.name}"`).join(', ')}`);
    expect(thrown([], ['x'], 'scenario')).toEqual({ message: '--only "x" matches no scenario', hint: 'this lab has no scenarios' });
    expect(selectByName(many, []).length).toBe(16);
    expect(selectByName(many, undefined).length).toBe(16);
  });
});

describe('rule: a check tells each measurement with its bound, word for word', () => {
  it('ping without bounds: received, loss and the average RTT; the summary shows them all', () => {
    const e = evaluatePing({ from: 'a', to: 'b' }, stats({ rtt: { min: 1, avg: 2.34567, max: 3, mdev: 0.5 } }));
    expect(e.measurements).toEqual([
      { name: 'received', value: '198/200', expected: '≥ 1', ok: true },
      { name: 'loss', value: '1%' },
      { name: 'rtt avg', value: '2.346 ms' },
    ]);
    expect(summarise(e.measurements)).toBe('received 198/200 (expected ≥ 1)');
    expect(summarise([{ name: 'loss', value: '1%' }, { name: 'rtt avg', value: '2 ms' }])).toBe('loss 1%, rtt avg 2 ms');
  });

  it('ping with bounds: each bounded RTT, both ends when both are set, and a ✗ on what failed', () => {
    const e = evaluatePing({ from: 'a', to: 'b', max_loss: '5%', min_rtt: { max: '1ms' }, max_rtt: { max: '2.5ms', min: '0.5ms' } }, stats());
    expect(e.measurements.slice(1)).toEqual([
      { name: 'loss', value: '1%', expected: '≤ 5%', ok: true },
      { name: 'rtt min', value: '1 ms', expected: '≤ 0.5 ms', ok: false },
      { name: 'rtt avg', value: '2 ms' }, // unbounded, still shown
      { name: 'rtt max', value: '3 ms', expected: '≥ 1 ms and ≤ 2.5 ms', ok: false },
    ]);
    expect(summarise(e.measurements)).toBe('received 198/200 (expected ≥ 1), loss 1% (expected ≤ 5%), rtt min 1 ms (expected ≤ 0.5 ms) ✗, rtt max 3 ms (expected ≥ 1 ms and ≤ 2.5 ms) ✗');
  });

  it('a bounded RTT with no reply says so and fails', () => {
    const e = evaluatePing({ from: 'a', to: 'b', max_rtt: { avg: '5ms' } }, stats({ received: 0, loss: 100, rtt: undefined }));
    expect(e.measurements.at(-1)).toEqual({ name: 'rtt avg', value: 'none (no reply)', expected: '≤ 5 ms', ok: false });
    expect(e.metrics).toEqual({ transmitted: 200, received: 0, loss_pct: 100 });
  });

  it('iperf: throughput, retransmits, UDP loss and jitter, each with its bound when one is set', () => {
    const e = evaluateIperf({ from: 'a', to: 'b', min: '1gbit', max_retransmits: 3, max_loss: '0.5%', max_jitter: '1ms' }, { protocol: 'udp', bitsPerSecond: 2e9, seconds: 3, retransmits: 4, lossPercent: 0.12345, jitterMs: 0.0004 });
    expect(e.measurements).toEqual([
      { name: 'throughput', value: '2 Gbit/s', expected: '≥ 1 Gbit/s', ok: true },
      { name: 'retransmits', value: '4', expected: '≤ 3', ok: false },
      { name: 'UDP loss', value: '0.123%', expected: '≤ 0.5%', ok: true },
      { name: 'jitter', value: '0 ms', expected: '≤ 1 ms', ok: true },
    ]);
    expect(e.metrics).toEqual({ throughput_bps: 2e9, duration_s: 3, retransmits: 4, loss_pct: 0.12345, jitter_ms: 0.0004 });
    const bare = evaluateIperf({ from: 'a', to: 'b' }, { protocol: 'tcp', bitsPerSecond: 1e6, seconds: 1, retransmits: 0 });
    expect(bare.measurements).toEqual([{ name: 'throughput', value: '1 Mbit/s' }, { name: 'retransmits', value: '0' }]);
    expect(bare.metrics).toEqual({ throughput_bps: 1e6, duration_s: 1, retransmits: 0 });
  });
});

describe('rule: a reach lists what it could not reach, sorted, at most ten by name', () => {
  it('every pair reached passes; the message counts them', () => {
    expect(reachVerdict('pass', 6, [])).toEqual({ status: 'pass', message: 'pairs reached 6/6 (expected 6/6)', measurements: [{ name: 'pairs reached', value: '6/6', expected: '6/6', ok: true }], metrics: { pairs: 6, pairs_reached: 6 }, failedPairs: [] });
  });

  it('lists the failures in order, eleven and more as ten and a count', () => {
    const failed = Array.from({ length: 11 }, (_, i) => `p${String(10 - i).padStart(2, '0')}`);
    const r = reachVerdict('pass', 20, failed);
    expect(r.message).toBe('pairs reached 9/20 (expected 20/20) ✗; unreachable: p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, … (11 in all)');
    expect(r.failedPairs![0]).toBe('p00');
    expect(reachVerdict('pass', 20, failed.slice(0, 10)).message).not.toContain('in all');
  });

  it('expect: fail wants nothing reached, and lists nothing', () => {
    expect(reachVerdict('fail', 2, ['b', 'a'])).toMatchObject({ status: 'pass', message: 'pairs reached 0/2 (expected 0/2)' });
    expect(reachVerdict('fail', 2, ['a'])).toMatchObject({ status: 'fail', message: 'pairs reached 1/2 (expected 0/2) ✗' });
  });
});
