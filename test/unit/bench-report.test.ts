/**
 * The bench's outputs, as a person and a spreadsheet read them: the table
 * row of a combination (units and digits), the aligned table, the CSV's
 * quoting and gaps, and the JSON's style (snake_case keys, a version).
 */
import { describe, expect, it } from 'vitest';
import type { ComboResult } from '../../src/bench/aggregate.js';
import type { BenchReport } from '../../src/bench/run.js';
import { formatTable, TABLE_HEADER, tableRow, toCsv, toJson } from '../../src/report/bench.js';
import { jsonText, OUTPUT_VERSION, snakeKeys } from '../../src/report/json-style.js';

const stat = (median: number, min = median, max = median) => ({ median, min, max });
const combo = (extra: Partial<ComboResult> = {}): ComboResult => ({ combo: { mtu: 1500 }, label: 'mtu=1500', runs: [], throughput: stat(950e6, 940e6, 960e6), ...extra });

describe('bench table row: Mbit/s with one decimal below 1 Gbit/s, none from 1 Gbit/s; ms with 2, 1 or 0 decimals by size', () => {
  it('prints throughput, and a dash for every figure not measured', () => {
    expect(tableRow(combo())).toEqual(['mtu=1500', '950.0 (940.0–960.0)', '—', '—', '—', '—']);
    expect(tableRow(combo({ throughput: stat(1e9, 999.96e6, 12.3e9) }))[1]).toBe('1000 (1000.0–12300)');
  });

  it('rounds retransmits to whole numbers', () => {
    expect(tableRow(combo({ retransmits: stat(2.5, 0.4, 7.6) }))[2]).toBe('3 (0–8)');
  });

  it('shows p50 / p99 under load when both were measured, the plain RTT otherwise', () => {
    expect(tableRow(combo({ rttP50Ms: stat(9.999), rttP99Ms: stat(10, 10, 100), rttMs: stat(1) }))[3]).toBe('10.00 / 10.0 (10.0–100)');
    expect(tableRow(combo({ rttP50Ms: stat(5), rttMs: stat(0.123, 0.1, 99.94) }))[3]).toBe('0.12 (0.10–99.9)');
    expect(tableRow(combo({ rttP99Ms: stat(5), rttMs: stat(2) }))[3]).toBe('2.00 (2.00–2.00)');
  });

  it('prints the idle RTT and the CPU cost per Gbit/s when known', () => {
    const row = tableRow(combo({ idleRttMs: 0.05, cpuSecPerGbit: stat(1.234) }));
    expect([row[4], row[5]]).toEqual(['0.05', '1.23']);
    expect(tableRow(combo({ idleRttMs: 150 }))[4]).toBe('150');
  });
});

describe('bench table: columns as wide as their widest cell, two spaces apart, no trailing blanks', () => {
  it('aligns the header, a rule and the rows', () => {
    expect(formatTable([['a', 'longer value'], ['bbbb']], ['x', 'yy'])).toBe(['x     yy', '----  ------------', 'a     longer value', 'bbbb'].join('\n') + '\n');
  });

  it('uses the bench\'s own header by default', () => {
    expect(formatTable([]).split('\n')[0]).toBe(TABLE_HEADER.join('  '));
  });
});

describe('bench CSV: a cell with a comma, a quote or a newline is quoted; a figure not measured is empty', () => {
  const report = (results: ComboResult[]): BenchReport => ({
    lab: 'x', from: 'a', to: 'b', target: '10.0.0.2', protocol: 'tcp', seconds: 1, warmupSeconds: 0, repeat: 1,
    dimensions: [{ name: 'queue', values: [], on: [] }], path: [], results, startedAt: '', ms: 0, interrupted: false,
  });

  it('quotes as RFC 4180 does, and keeps eight significant digits', () => {
    const csv = toCsv(report([combo({ combo: { queue: 'fq, "fast"' } as never, throughput: stat(1 / 3) })]));
    const row = csv.trim().split('\n')[1]!;
    expect(row.startsWith('"fq, ""fast""",0.33333333,0.33333333,0.33333333,,,,')).toBe(true);
    expect(row.endsWith(',,0')).toBe(true); // no idle RTT, no runs
  });

  it('gives the idle RTT and the number of runs', () => {
    const row = toCsv(report([combo({ combo: { queue: 'pfifo' } as never, idleRttMs: 0.25, runs: [{}, {}] as never })])).trim().split('\n')[1]!;
    expect(row.split(',').slice(-2)).toEqual(['0.25', '2']);
  });
});

describe('JSON style: a version first, pretty, snake_case keys all the way down', () => {
  it('turns camelCase keys into snake_case in objects inside arrays, and leaves values alone', () => {
    expect(snakeKeys({ rateBps: 1, nested: [{ rttP99Ms: null, label: 'keepThis' }], list: [1, 'aB'], none: undefined })).toEqual({ rate_bps: 1, nested: [{ rtt_p99_ms: null, label: 'keepThis' }], list: [1, 'aB'], none: undefined });
    expect([snakeKeys(null), snakeKeys(3), snakeKeys('camelCase')]).toEqual([null, 3, 'camelCase']);
  });

  it('writes the version before everything else, two spaces deep, a newline at the end', () => {
    expect(jsonText({ a: 1 })).toBe(`{\n  "version": ${OUTPUT_VERSION},\n  "a": 1\n}\n`);
  });

  it('the bench\'s JSON: the report in that style, with the verdict of each knob', () => {
    const doc = JSON.parse(toJson({ lab: 'x', warmupSeconds: 1 } as never, [{ knob: 'mtu', none: 'one value', overBudget: [{ value: '9000', p99Ms: 12 }] }]));
    expect(doc).toEqual({ version: OUTPUT_VERSION, lab: 'x', warmup_seconds: 1, verdicts: [{ knob: 'mtu', none: 'one value', over_budget: [{ value: '9000', p99_ms: 12 }] }] });
    expect(JSON.parse(toJson({ lab: 'x' } as never)).verdicts).toEqual([]);
  });
});
