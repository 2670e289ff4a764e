/**
 * Hostile files: the parser answers every one with located diagnostics,
 * quickly, and never with an exception.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { parseTopology } from '../../src/topology/load.js';
import { PARSE_LIMITS } from '../../src/topology/parse.js';


describe('rule: alias expansion is bounded ("billion laughs")', () => {
  const levels = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 9; i++) levels.push(`${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9).fill(`*${'abcdefghij'[i - 1]}`).join(', ')}]`);
  const text = `name: lol\nnodes: {}\n${levels.join('\n')}\n`;

  it('is a located diagnostic (exit 2), not a crash, and quick', () => {
    const t0 = performance.now();
    const r = parseTopology('laughs.yaml', text);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.lab).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ loc: { file: 'laughs.yaml', line: 4, col: 8 }, message: expect.stringContaining('billion laughs') });
  });
  it('still allows a few aliases, as YAML users write them', () => {
    const r = parseTopology('ok.yaml', 'name: ok\nnodes:\n  a: &n { routes: [] }\n  b: *n\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.lab?.nodes.map((n) => n.name)).toEqual(['a', 'b']);
  });
});

describe('rule: nesting is bounded', () => {
  it('100 000 levels deep is a clear diagnostic, not a stack overflow', () => {
    const r = parseTopology('deep.yaml', `name: x\nnodes: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    expect(r.lab).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.message).toBe(`values nest more than ${PARSE_LIMITS.depth} levels deep`);
    expect(r.diagnostics[0]!.loc.line).toBe(2);
  });
  it('a nesting the YAML reader survives is caught at the first level too deep', () => {
    const r = parseTopology('deep.yaml', `name: x\nnodes:\n  a:\n    routes: ${'['.repeat(100)}${']'.repeat(100)}\n`);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ loc: { line: 4, col: 13 + (PARSE_LIMITS.depth + 1) - 3 }, message: expect.stringContaining('levels deep') });
  });
  it('the excerpt of a megabyte-wide line is a window around the column, with the caret under it', () => {
    const r = parseTopology('deep.yaml', `name: x\nnodes: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    const text = formatDiagnostic(r.diagnostics[0]!, `name: x\nnodes: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    const [, excerpt, caret] = text.split('\n');
    expect(excerpt!.length).toBeLessThan(120);
    expect(caret!.indexOf('^') - caret!.indexOf('|')).toBeGreaterThan(0);
    expect(excerpt![caret!.indexOf('^')]).toBe('[');
  });
});

describe('rule: a key is a name, never a map, a list or an alias', () => {
  it('each such key is a diagnostic at the key, and nothing reaches the model', () => {
    const r = parseTopology('keys.yaml', 'name: x\nnodes:\n  ? {a: 1}\n  : {}\n  ? [b]\n  : {}\n  c: &c {}\n  *c : {}\n');
    expect(r.lab).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.loc.line, d.loc.col, d.message])).toEqual([
      [3, 5, 'a key must be a name, not a map'],
      [5, 5, 'a key must be a name, not a list'],
      [8, 3, 'a key must be a name, not an alias'],
    ]);
  });
});

describe('rule: the file size is bounded', () => {
  it('a file over the limit is refused before it is parsed', () => {
    const r = parseTopology('huge.yaml', `name: x\n# ${'x'.repeat(PARSE_LIMITS.bytes)}\n`);
    expect(r.diagnostics[0]!.message).toMatch(/the file is 32\.0 MiB; a topology may be at most 32\.0 MiB/);
  });
});

describe('rule: duplicate keys are found in linear time (test/unit/parse-speed.test.ts times it)', () => {
  it('duplicate keys are still found, each at its second occurrence', () => {
    const r = parseTopology('dup.yaml', 'name: dup\nnodes:\n  a: {}\n  b: {}\n  a: {}\n  b: {}\n');
    expect(r.diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`)).toEqual([
      '5:3 YAML syntax error: Map keys must be unique',
      '6:3 YAML syntax error: Map keys must be unique',
    ]);
  });
});
