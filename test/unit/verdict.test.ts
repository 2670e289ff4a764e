/**
 * The bench's verdict: per knob, the value with the best throughput whose
 * p99 under load stays within the budget; a difference called real only
 * when it holds in every repeat.
 */
import { describe, expect, it } from 'vitest';
import { aggregate, type RunMeasurement } from '../../src/bench/aggregate.js';
import type { BenchReport } from '../../src/bench/run.js';
import { formatVerdict, verdicts } from '../../src/bench/verdict.js';

const runs = (mbits: number[], p99: number): RunMeasurement[] => mbits.map((m) => ({ bitsPerSecond: m * 1e6, rttMs: p99 / 2, rttP50Ms: p99 / 3, rttP90Ms: p99 / 2, rttP99Ms: p99, rttMaxMs: p99 + 1 }));

/** txqueuelen 10/100/1000 through a 20 Mbit/s bottleneck: the queue grows, throughput barely moves. */
function report(repeat = 3, spreads: Record<string, number[]> = {}): BenchReport {
  const results = [
    aggregate({ txqueuelen: 10 }, runs(spreads['10'] ?? [18.0, 18.2, 18.1], 6)),
    aggregate({ txqueuelen: 100 }, runs(spreads['100'] ?? [19.5, 19.6, 19.7], 60)),
    aggregate({ txqueuelen: 1000 }, runs(spreads['1000'] ?? [19.8, 19.9, 20.0], 594)),
  ];
  return {
    lab: 'bb', from: 'a', to: 'b', target: 'b', protocol: 'udp', seconds: 3, warmupSeconds: 1, repeat, path: [], startedAt: '', ms: 0, interrupted: false,
    dimensions: [{ name: 'txqueuelen', values: [10, 100, 1000], on: [] }], results,
  };
}

describe('rule: without a budget, the best throughput wins, and a win must hold in every repeat', () => {
  it('1000 beats 100 in every repeat: a real difference', () => {
    const [v] = verdicts(report());
    expect(v).toMatchObject({ knob: 'txqueuelen', best: { value: '1000' }, next: { value: '100' }, significant: true, overBudget: [] });
    expect(formatVerdict(v!)).toBe('txqueuelen: 1000 gives the best throughput, 19.9 Mbit/s (19.8–20.0), p99 594 ms; better than 100 (19.6 Mbit/s (19.5–19.7)) in every repeat');
  });
  it('ranges that overlap: no significant difference, said in words', () => {
    const [v] = verdicts(report(3, { '100': [19.0, 19.6, 20.1] }));
    expect(v!.significant).toBe(false);
    expect(formatVerdict(v!)).toContain('100 gives 19.6 Mbit/s (19.0–20.1): no significant difference (the spread between repeats is larger than the effect)');
  });
  it('a win by less than 1 % is the same, however tight the repeats', () => {
    const [v] = verdicts(report(3, { '100': [19.70, 19.71, 19.72], '1000': [19.73, 19.74, 19.75] }));
    expect(v).toMatchObject({ best: { value: '1000' }, next: { value: '100' }, significant: false, tiny: true });
    expect(formatVerdict(v!)).toContain('; 100 gives 19.7 Mbit/s (19.7–19.7): the same within 1 %');
  });
  it('touching ranges are not a win either (the worst of the winner must beat the best of the next)', () => {
    expect(verdicts(report(3, { '100': [19.5, 19.6, 19.8] }))[0]!.significant).toBe(false);
  });
});

describe('rule: with a latency budget, only values whose p99 under load fits can win', () => {
  it('a 20 ms budget: 10 wins, 100 and 1000 are over it with their p99', () => {
    const [v] = verdicts(report(), { latencyBudgetMs: 20 });
    expect(v).toMatchObject({ best: { value: '10', p99Ms: 6 }, overBudget: [{ value: '100', p99Ms: 60 }, { value: '1000', p99Ms: 594 }] });
    expect(v!.next).toBeUndefined();
    expect(formatVerdict(v!, 20)).toBe('txqueuelen: 10 gives the best throughput within p99 20 ms, 18.1 Mbit/s (18.0–18.2), p99 6.0 ms; over the 20 ms budget: 100 (p99 60 ms), 1000 (p99 594 ms)');
  });
  it('a budget exactly at a p99 admits it', () => {
    expect(verdicts(report(), { latencyBudgetMs: 60 })[0]!.best!.value).toBe('100');
  });
  it('a budget nothing fits: no verdict, and why', () => {
    const [v] = verdicts(report(), { latencyBudgetMs: 1 });
    expect(v!.none).toBe('no value kept p99 under load within 1 ms');
    expect(formatVerdict(v!, 1)).toContain('over the 1.0 ms budget: 10 (p99 6.0 ms)');
  });
  it('results without latency cannot be judged against a budget: they are over it, with no p99 to show', () => {
    const r = report();
    r.results = r.results.map((x) => aggregate(x.combo, x.runs.map((m) => ({ bitsPerSecond: m.bitsPerSecond }))));
    expect(verdicts(r, { latencyBudgetMs: 20 })[0]).toMatchObject({ none: expect.any(String), overBudget: [{ value: '10' }, { value: '100' }, { value: '1000' }] });
  });
});

describe('rule: no verdict from a single repeat, and none for a knob with one value', () => {
  it('repeat 1: says to measure again', () => {
    const [v] = verdicts(report(1));
    expect(v!.none).toBe('one run per combination: no verdict (measure with --repeat 3 or more)');
    expect(v!.best).toBeUndefined();
  });
  it('a dimension with a single value has nothing to compare', () => {
    const r = report();
    r.dimensions = [{ name: 'txqueuelen', values: [10], on: [] }];
    expect(verdicts(r)).toEqual([]);
  });
  it('each knob is judged over every combination with that value, whatever the others', () => {
    const r = report();
    r.dimensions = [{ name: 'mtu', values: [1500, 9000], on: [] }, { name: 'txqueuelen', values: [10], on: [] }];
    r.results = [aggregate({ mtu: 1500, txqueuelen: 10 }, runs([10, 10.1, 10.2], 5)), aggregate({ mtu: 9000, txqueuelen: 10 }, runs([15, 15.1, 15.2], 5))];
    expect(verdicts(r).map((v) => [v.knob, v.best?.value, v.significant])).toEqual([['mtu', '9000', true]]);
  });
});
