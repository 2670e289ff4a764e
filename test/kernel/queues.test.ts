/**
 * The queues `shape: { queue }` can put in front of a bottleneck, on a
 * kernel that has them: each is made under the shaper and read back. This
 * host's kernel has only the fifos, so CI runs this file inside Debian's
 * stock kernel under QEMU (`npm run test:vm`); where a qdisc is missing its
 * test is reported as skipped, with the reason in its name — never passed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench } from '../../src/bench/run.js';
import { withSweep } from '../../src/bench/sweep.js';
import { down } from '../../src/exec/down.js';
import { up } from '../../src/exec/up.js';
import { readImpairments } from '../../src/impair/apply.js';
import { MANAGED_QUEUES } from '../../src/topology/schema.js';
import { TOPOLOGIES } from '../helpers/fixtures.js';
import { isRoot, kernelDiff, labFromFile, labFromText, missingFeature, runner } from '../helpers/lab.js';

const QUEUES = MANAGED_QUEUES;

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
  it('p99 grows with a pfifo\'s txqueuelen at the same throughput; fq_codel and cake keep it low where a 1000-packet pfifo makes it half a second', async (ctx) => {
    const missing = isRoot ? ((await missingFeature('tbf')) ?? (await missingFeature('fq_codel')) ?? (await missingFeature('cake'))) : 'needs root';
    ctx.skip(missing !== undefined, `skipped: ${missing}`);
    const lab = labFromFile(join(TOPOLOGIES, 'bufferbloat.yaml'));
    try {
      await up(lab);
      const bench = withSweep(lab.bench!, [{ name: 'txqueuelen', values: [10, 1000] }, { name: 'queue', values: ['pfifo', 'fq_codel', 'cake'] }]);
      const report = await runBench(lab, bench, { repeat: 1, seconds: 3 });
      const at = (txq: number, queue: string) => report.results.find((r) => r.combo.txqueuelen === txq && r.combo.queue === queue)!;
      const p99 = Object.fromEntries(report.results.map((r) => [r.label, r.rttP99Ms!.median]));
      console.log(`p99 under load: ${JSON.stringify(p99)}; throughput: ${JSON.stringify(Object.fromEntries(report.results.map((r) => [r.label, Math.round(r.throughput.median)])))}`);
      expect(at(1000, 'pfifo').rttP99Ms!.median).toBeGreaterThan(3 * at(10, 'pfifo').rttP99Ms!.median);
      // The 1000-packet queue keeps the 20 Mbit/s bottleneck full (19.4 Mbit/s
      // in every VM run). Under QEMU's emulated CPU the UDP sender is bursty,
      // and a 10-packet queue drops part of each burst: 13.0, 14.7 and 16.1
      // Mbit/s in three runs (0.2 % apart from the long queue on real
      // hardware, README). The claim is about delay; the bounds say traffic flowed.
      expect(at(1000, 'pfifo').throughput.median).toBeGreaterThan(17e6);
      expect(at(10, 'pfifo').throughput.median).toBeGreaterThan(10e6);
      for (const txq of [10, 1000]) expect(at(txq, 'pfifo').throughput.median).toBeLessThan(21e6);
      expect(at(1000, 'pfifo').rttP99Ms!.median).toBeGreaterThan(200);
      expect(at(1000, 'fq_codel').rttP99Ms!.median).toBeLessThan(at(1000, 'pfifo').rttP99Ms!.median / 5);
      expect(at(1000, 'cake').rttP99Ms!.median).toBeLessThan(at(1000, 'pfifo').rttP99Ms!.median / 5);
      expect(await kernelDiff(lab)).toEqual([]);
    } finally {
      await down(lab.name);
    }
  }, 300_000);
});

describe('bench: TCP through the same bottleneck, by congestion control', () => {
  it('CUBIC fills a 1000-packet pfifo, BBR keeps it short (a congestion sweep)', async (ctx) => {
    // BBR is a module in a stock kernel: load it if it is not yet, with the
    // kernel's own modprobe (the VM points it at the stock kernel's modules).
    const available = () => readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').split(/\s+/);
    if (isRoot && !available().includes('bbr')) spawnSync(readFileSync('/proc/sys/kernel/modprobe', 'utf8').trim() || 'modprobe', ['tcp_bbr']);
    const missing = !isRoot ? 'needs root' : (await missingFeature('tbf')) ?? (['cubic', 'bbr'].every((c) => available().includes(c)) ? undefined : `needs cubic and bbr; this kernel has ${available().join(' ')}`);
    ctx.skip(missing !== undefined, `skipped: ${missing}`);
    const lab = labFromFile(join(TOPOLOGIES, 'bufferbloat.yaml'));
    try {
      await up(lab);
      const bench = withSweep({ ...lab.bench!, spec: { ...lab.bench!.spec, protocol: 'tcp' } }, [{ name: 'txqueuelen', values: [1000] }, { name: 'congestion', values: ['cubic', 'bbr'] }]);
      const report = await runBench(lab, bench, { repeat: 1, seconds: 4 });
      const p50 = Object.fromEntries(report.results.map((r) => [String(r.combo.congestion), r.rttP50Ms!.median]));
      console.log(`TCP p50 under load at txqueuelen 1000: ${JSON.stringify(p50)}`);
      expect(p50.cubic, JSON.stringify(p50)).toBeGreaterThan(50);
      // Alone on the machine BBR's median is a tenth of CUBIC's or less (8.7 ms against 130);
      // with the rest of npm test on the same 2 cores its pacing slips (43 ms against 130, once).
      // Half still tells a queue kept short from a queue filled like CUBIC's.
      expect(p50.bbr, JSON.stringify(p50)).toBeLessThan(p50.cubic! / 2);
    } finally {
      await down(lab.name);
    }
  }, 300_000);
});
