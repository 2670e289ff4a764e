/**
 * What a valid `scenarios:` section becomes: each step with its kind, its
 * targets resolved, its times in milliseconds, and the label reports use.
 */
import { describe, expect, it } from 'vitest';
import { labFixture } from '../helpers/fixtures.js';

const scenarios = () => labFixture('scenario-steps.yaml').scenarios;
/** A step as data, its check and impairments by name, without source places. */
const plain = (s: ReturnType<typeof scenarios>[number]['steps'][number]) => {
  const { loc: _loc, ...rest } = s as typeof s & { check?: { name: string; withinMs?: number }; impair?: { node: string; ifname: string }[] };
  const r = rest as Record<string, unknown> & { check?: { name: string; withinMs?: number }; impair?: { node: string; ifname: string }[] };
  return { ...r, ...(r.check ? { check: r.check.name, withinMs: r.check.withinMs } : {}), ...(r.impair ? { impair: r.impair.map((i) => `${i.node}:${i.ifname}`) } : {}) };
};

describe('rule: each step resolves what it names and keeps its times in milliseconds', () => {
  it('every step kind, in order, with the label reports show', () => {
    const [everything, second] = scenarios();
    expect(everything!.name).toBe('everything');
    expect(everything!.loc).toMatchObject({ line: 13, col: 3 });
    expect(everything!.steps.map(plain)).toEqual([
      { kind: 'watch', name: 'watch ping a -> b', from: 'a', target: '10.0.0.2', intervalMs: 10, label: 'watch ping a -> b', index: 0 },
      { kind: 'watch', name: 'fast', from: 'b', target: '10.0.0.1', intervalMs: 5, label: 'fast', maxOutageMs: 1500, maxLossPct: 2.5, index: 1 },
      { kind: 'link', action: 'down', target: { node: 'a', ns: 'steps-a', ifname: 'eth0' }, label: 'link down a:eth0', index: 2 },
      { kind: 'link', action: 'up', target: { node: 'lan', ns: 'steps-lan', ifname: 'a-eth1' }, label: 'link up lan:a-eth1', index: 3 },
      { kind: 'impair', label: 'impair a:eth0, b:eth0', index: 4, impair: ['a:eth0', 'b:eth0'] },
      { kind: 'service', action: 'restart', id: 'a/web', label: 'service restart a/web', index: 5 },
      { kind: 'service', action: 'stop', id: 'a/web', label: 'service stop a/web', index: 6 },
      { kind: 'exec', node: 'b', cmd: ['ip', 'route'], exit: 0, timeoutMs: 30_000, label: 'exec b: ip route', index: 7 },
      { kind: 'exec', node: 'b', cmd: 'sleep 1', exit: 1, timeoutMs: 3000, label: 'exec b: sleep 1', index: 8 },
      { kind: 'check', label: 'check ping a -> b', index: 9, check: 'ping a -> b', withinMs: 2000 },
      { kind: 'check', label: 'check plain', index: 10, check: 'plain', withinMs: undefined },
      { kind: 'wait', ms: 250, label: 'wait 250ms', index: 11 },
    ]);
    expect(second!.steps.map(plain)).toEqual([{ kind: 'wait', ms: 1000, label: 'wait 1s', index: 0 }]);
  });
});
