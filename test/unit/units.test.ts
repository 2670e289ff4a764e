import { describe, expect, it } from 'vitest';
import { formatRate, parsePercent, parseRate, parseTime } from '../../src/topology/units.js';

describe('units, as tc writes them', () => {
  it('times need a unit and come out in microseconds', () => {
    expect(parseTime('10ms')).toBe(10_000);
    expect(parseTime('1.5s')).toBe(1_500_000);
    expect(parseTime('250us')).toBe(250);
    expect(parseTime('10')).toBeUndefined();
  });
  it('rates accept tc units case-insensitively and the /s spelling', () => {
    expect(parseRate('100mbit')).toBe(100e6);
    expect(parseRate('500Mbit/s')).toBe(500e6);
    expect(parseRate('1gbit')).toBe(1e9);
    expect(parseRate('10mbps')).toBe(80e6);
    expect(parseRate('fast')).toBeUndefined();
  });
  it('percentages are 0..100', () => {
    expect(parsePercent('0.1%')).toBe(0.1);
    expect(parsePercent('100%')).toBe(100);
    expect(parsePercent('150%')).toBeUndefined();
    expect(parsePercent('5')).toBeUndefined();
  });
  it('formats rates for people', () => {
    expect(formatRate(9.41e9)).toBe('9.41 Gbit/s');
    expect(formatRate(512)).toBe('512 bit/s');
  });
});
