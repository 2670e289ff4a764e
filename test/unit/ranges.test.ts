import { describe, expect, it } from 'vitest';
import { expandRange, MAX_RANGE } from '../../src/topology/ranges.js';
import { parseTopology } from '../../src/topology/load.js';

describe('range expansion: one {a..b} per name', () => {
  it('leaves plain names alone', () => {
    expect(expandRange('h1')).toEqual({ ok: true, values: ['h1'], ranged: false });
  });
  it('expands a range with prefix and suffix', () => {
    expect(expandRange('h{1..3}:eth0')).toEqual({ ok: true, values: ['h1:eth0', 'h2:eth0', 'h3:eth0'], ranged: true });
  });
  it('keeps zero padding', () => {
    const r = expandRange('r{08..11}');
    expect(r.ok && r.values).toEqual(['r08', 'r09', 'r10', 'r11']);
  });
  it('counts down when the range is written backwards', () => {
    const r = expandRange('h{3..1}');
    expect(r.ok && r.values).toEqual(['h3', 'h2', 'h1']);
  });
  it('expands 1000 hosts', () => {
    const r = expandRange('h{1..1000}');
    expect(r.ok && r.values.length).toBe(1000);
    expect(r.ok && r.values.at(-1)).toBe('h1000');
  });
  it('rejects two ranges in one name', () => {
    const r = expandRange('x{1..2}y{1..2}');
    expect(r.ok).toBe(false);
  });
  it('rejects a malformed range', () => {
    expect(expandRange('h{1..}').ok).toBe(false);
    expect(expandRange('h{1-3}').ok).toBe(false);
  });
  it('bounds are whole numbers of any length', () => {
    const r = expandRange('h{98..101}');
    expect(r.ok && r.values).toEqual(['h98', 'h99', 'h100', 'h101']);
    expect(expandRange('h{a..3}').ok).toBe(false);
  });
  it('a range of one value is that value', () => {
    expect(expandRange('h{5..5}')).toEqual({ ok: true, values: ['h5'], ranged: true });
  });
  it('pads only a bound written with a leading zero; a lone 0 is not padding', () => {
    expect(expandRange('h{0..2}')).toEqual({ ok: true, values: ['h0', 'h1', 'h2'], ranged: true });
    expect(expandRange('h{9..10}')).toEqual({ ok: true, values: ['h9', 'h10'], ranged: true });
  });
  it('a brace outside a well-formed range is malformed, before or after it', () => {
    for (const t of ['h{{1..3}', 'h{1..3}}', '{h{1..3}', 'h{1..3}x}']) {
      expect(expandRange(t), t).toEqual({ ok: false, message: `\`${t}\` has a malformed range`, hint: 'a range is written `{1..10}`' });
    }
  });
  it(`holds at most ${MAX_RANGE} values`, () => {
    expect(expandRange(`h{1..${MAX_RANGE}}`).ok).toBe(true);
    expect(expandRange(`h{1..${MAX_RANGE + 1}}`)).toEqual({ ok: false, message: `range \`{1..${MAX_RANGE + 1}}\` has ${MAX_RANGE + 1} values; at most ${MAX_RANGE} are allowed` });
    expect(expandRange(`h{${MAX_RANGE + 1}..1}`).ok).toBe(false);
  });
});

describe('range expansion in a topology', () => {
  // Parsed inside each test: mutation testing cannot see describe bodies.
  const parsed = () => parseTopology('t.yaml', `
name: t
nodes:
  "r{1..4}": {}
  "h{1..3}": {}
  sw: { kind: bridge, subnet: 10.0.0.0/24 }
links:
  - endpoints: ["r{1..3}:eth1", "r{2..4}:eth0"]
    ip: ["10.9.{1..3}.1/24", "10.9.{1..3}.2/24"]
  - endpoints: ["h{1..3}:eth0", sw]
`).lab!;

  it('expands node keys into nodes', () => {
    expect(parsed().nodes.map((n) => n.name)).toEqual(['r1', 'r2', 'r3', 'r4', 'h1', 'h2', 'h3', 'sw']);
  });
  it('pairs two endpoint ranges in order (a chain)', () => {
    const pairs = parsed().links.slice(0, 3).map((l) => l.ends.map((e) => `${e.node}:${e.ifname}`));
    expect(pairs).toEqual([['r1:eth1', 'r2:eth0'], ['r2:eth1', 'r3:eth0'], ['r3:eth1', 'r4:eth0']]);
  });
  it('pairs address ranges with endpoint ranges', () => {
    expect(parsed().links[1]!.ends.map((e) => e.addresses[0]!.text)).toEqual(['10.9.2.1/24', '10.9.2.2/24']);
  });
  it('repeats a plain endpoint against a range (one link per host)', () => {
    const star = parsed().links.slice(3);
    expect(star.map((l) => l.ends[0].node)).toEqual(['h1', 'h2', 'h3']);
    expect(star.every((l) => l.ends[1].node === 'sw')).toBe(true);
  });
});
