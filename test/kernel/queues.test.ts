/**
 * The queues `shape: { queue }` can put in front of a bottleneck, on a
 * kernel that has them: each is made under the shaper and read back. This
 * host's kernel has only the fifos, so CI runs this file inside Debian's
 * stock kernel under QEMU (`npm run test:vm`); where a qdisc is missing its
 * test is reported as skipped, with the reason in its name — never passed.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench } from '../../src/bench/run.js';
import { withSweep } from '../../src/bench/sweep.js';
import { down } from '../../src/exec/down.js';
import { up } from '../../src/exec/up.js';
import { readImpairments } from '../../src/impair/apply.js';
import { TOPOLOGIES } from '../helpers/fixtures.js';
import { isRoot, kernelDiff, labFromFile, labFromText, missingFeature, runner } from '../helpers/lab.js';

const QUEUES = ['fq_codel', 'codel', 'fq', 'sfq', 'cake'] as const;

describe('shape.queue: each queue under the shaper, made and read back', () => {
  for (const q of QUEUES) {
    it(`${q}`, async (ctx) => {
      const missing = isRoot ? ((await missingFeature('tbf')) ?? (await missingFeature(q))) : 'needs root';
      ctx.skip(missing !== undefined, `skipped: ${missing}`);
      const lab = labFromText(`name: x
nodes: { a: {}, b: {} }
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [10.77.0.1/24, 10.77.0.2/24]
    netem: { a: { delay: 1ms, shape: { rate: 20mbit, queue: ${q} } } }
`);
      try {
        await up(lab);
        const a = lab.nodes.find((n) => n.name === 'a')!;
        const [imp] = await readImpairments(runner, a.ns, 'eth0');
        expect(imp!.tbf!.queue!.kind).toBe(q);
        expect(await kernelDiff(lab)).toEqual([]);
      } finally {
        await down(lab.name);
      }
    }, 120_000);
  }
});

describe('bench: a queue sweep in front of the bufferbloat example\'s bottleneck', () => {
  it('fq_codel and cake keep the ping\'s p99 low where a 1000-packet pfifo makes it half a second', async (ctx) => {
    const missing = isRoot ? ((await missingFeature('tbf')) ?? (await missingFeature('fq_codel')) ?? (await missingFeature('cake'))) : 'needs root';
    ctx.skip(missing !== undefined, `skipped: ${missing}`);
    const lab = labFromFile(join(TOPOLOGIES, 'bufferbloat.yaml'));
    try {
      await up(lab);
      const bench = withSweep(lab.bench!, [{ name: 'txqueuelen', values: [1000] }, { name: 'queue', values: ['pfifo', 'fq_codel', 'cake'] }]);
      const report = await runBench(lab, bench, { repeat: 1, seconds: 3 });
      const p99 = Object.fromEntries(report.results.map((r) => [String(r.combo.queue), r.rttP99Ms!.median]));
      console.log(`p99 under load at txqueuelen 1000: ${JSON.stringify(p99)}`);
      expect(p99.pfifo).toBeGreaterThan(200);
      expect(p99.fq_codel).toBeLessThan(p99.pfifo! / 5);
      expect(p99.cake).toBeLessThan(p99.pfifo! / 5);
      expect(await kernelDiff(lab)).toEqual([]);
    } finally {
      await down(lab.name);
    }
  }, 300_000);
});
