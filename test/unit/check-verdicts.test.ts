/**
 * Verdicts at their boundaries: a bound is inclusive (`max_loss: 1%` passes
 * at exactly 1 %), a negative check inverts only a measurement, never an
 * error, and the figures behind each verdict are kept as numbers.
 */
import { describe, expect, it } from 'vitest';
import { evaluateIperf, evaluatePing } from '../../src/checks/evaluate.js';
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
  it('an invalid regular expression still matches its exact name', () => expect(selectByName([{ name: 'a(' }], ['a(']).map((c) => c.name)).toEqual(['a(']));
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
