import { describe, expect, it } from 'vitest';
import { netemArgs, netemProblems } from '../../src/topology/netem.js';

describe('netem: tc arguments', () => {
  it('orders delay, jitter, correlation and distribution as tc expects', () => {
    expect(netemArgs({ delay: '10ms', jitter: '1ms', correlation: '25%', distribution: 'normal', loss: '0.1%' })).toEqual([
      'delay', '10ms', '1ms', '25%', 'distribution', 'normal', 'loss', '0.1%',
    ]);
  });
  it('writes reorder with its gap, rate and limit', () => {
    expect(netemArgs({ delay: '5ms', reorder: '25%', gap: 5, rate: '10mbit', limit: 5000 })).toEqual([
      'delay', '5ms', 'reorder', '25%', 'gap', '5', 'rate', '10mbit', 'limit', '5000',
    ]);
  });
});

describe('netem: what tc would reject', () => {
  const fields = (spec: Parameters<typeof netemProblems>[0]) => netemProblems(spec).map((p) => p.field);
  it('jitter, correlation and distribution need what comes before them', () => {
    expect(fields({ jitter: '1ms' })).toContain('jitter');
    expect(fields({ delay: '1ms', correlation: '10%' })).toContain('correlation');
    expect(fields({ delay: '1ms', distribution: 'normal' })).toContain('distribution');
  });
  it('reorder needs a delay and gap needs reorder', () => {
    expect(fields({ reorder: '10%' })).toContain('reorder');
    expect(fields({ delay: '1ms', gap: 3 })).toContain('gap');
  });
  it('a zero rate and an empty spec are refused', () => {
    expect(fields({ rate: '0mbit' })).toContain('rate');
    expect(fields({})).toEqual([null]);
  });
  it('accepts a complete, sensible spec', () => {
    expect(netemProblems({ delay: '100ms', jitter: '10ms', correlation: '25%', distribution: 'normal', loss: '1%', rate: '10mbit' })).toEqual([]);
  });
});
