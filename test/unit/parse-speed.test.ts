/**
 * Parsing time grows linearly with the file. A timing test: mutation
 * testing leaves it out (vitest.mutation.config.ts), the rest of the
 * hostile-file rules are in parse-limits.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../src/topology/load.js';

const nodesMap = (n: number) => `name: big\nnodes:\n${Array.from({ length: n }, (_, i) => `  h${i}: {}\n`).join('')}`;

describe('rule: parsing is linear in the size of the file', () => {
  // Quadratic before: yaml's duplicate-key check and our key lookups each scanned
  // the whole map per key (5k/10k/20k nodes: 1.9/3.9/10.9 s). A ratio, not a
  // time, so the test holds on any machine: linear is ~8× for 8× the nodes,
  // quadratic ~64×.
  it('eight times the nodes take well under 24 times as long', () => {
    const time = (n: number) => {
      const text = nodesMap(n);
      const t0 = performance.now();
      const r = parseTopology('big.yaml', text);
      expect(r.diagnostics).toEqual([]);
      return performance.now() - t0;
    };
    time(2000); // warm up the JIT
    const small = Math.min(time(4000), time(4000));
    const large = time(32000);
    expect(large / small).toBeLessThan(24);
  });
});
