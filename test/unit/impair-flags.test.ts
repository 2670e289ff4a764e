/**
 * `nslab impair` flags become the same spec a topology's `netem:` holds,
 * checked by the same rules, with errors that name the flag.
 */
import { describe, expect, it } from 'vitest';
import { specFromFlags } from '../../src/cli/commands/impair.js';
import { UsageError } from '../../src/diagnostics.js';

const fails = (opts: Parameters<typeof specFromFlags>[0]) => {
  try {
    specFromFlags(opts);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as UsageError).message;
  }
  throw new Error('expected a UsageError');
};

describe('impair flags: to a netem spec', () => {
  it('maps each flag to its field, numbers as numbers', () => {
    expect(specFromFlags({ delay: '50ms', jitter: '5ms', keepOrder: true, loss: '1%', limit: '5000', shape: '8mbit' })).toEqual({
      delay: '50ms', jitter: '5ms', keep_order: true, loss: '1%', limit: 5000, shape: { rate: '8mbit' },
    });
    expect(specFromFlags({ delay: '5ms', reorder: '10%', gap: '3', rate: '1gbit', duplicate: '1%', corrupt: '0.1%' })).toEqual({
      delay: '5ms', reorder: '10%', gap: 3, rate: '1gbit', duplicate: '1%', corrupt: '0.1%',
    });
  });
  it('--loss-burst is Gilbert-Elliott: p,r[,bad,good]', () => {
    expect(specFromFlags({ lossBurst: '1%,30%' })).toEqual({ loss: { gemodel: { p: '1%', r: '30%' } } });
    expect(specFromFlags({ lossBurst: '1%, 30%, 80%, 0.1%' })).toEqual({ loss: { gemodel: { p: '1%', r: '30%', loss_bad: '80%', loss_good: '0.1%' } } });
  });
  it('no flags: no spec', () => {
    expect(specFromFlags({ json: true })).toBeUndefined();
  });
});

describe('impair flags: what is refused, naming the flag', () => {
  it('a value without its unit', () => {
    expect(fails({ delay: '10' })).toBe('--delay: expected a time with a unit (s, ms, us), like `10ms`');
  });
  it('a percentage over 100', () => {
    expect(fails({ lossBurst: '150%' })).toMatch(/^--loss-burst: a percentage is at most 100%/);
  });
  it('rules between fields, as in a topology', () => {
    expect(fails({ jitter: '5ms' })).toBe('--jitter: jitter needs a delay');
    expect(fails({ delay: '5ms', keepOrder: true })).toBe('--keep-order: keep_order only matters with jitter');
  });
  it('two loss models at once', () => {
    expect(fails({ loss: '1%', lossBurst: '1%' })).toContain('--loss and --loss-burst');
  });
});
