/**
 * nslab bench on the real kernel: a tiny sweep of the worked example end to
 * end through the CLI (files written, lab gone after), and on a running lab
 * through the library: each setting measured where it was set, everything
 * put back afterwards — also when the sweep is interrupted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../../src/bench/run.js';
import { withSweep } from '../../src/bench/sweep.js';
import { readImpairments } from '../../src/impair/apply.js';
import type { Lab } from '../../src/topology/model.js';
import { ROOT, TOPOLOGIES } from '../helpers/fixtures.js';
import { isRoot, kernelDiff, labFromFile, liveLab, missingFeature, namespaces, renamed, runner, uniqueName } from '../helpers/lab.js';

const nslab = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/nslab.js'), ...args], { encoding: 'utf8', timeout: 120_000 });
const EXAMPLE = join(TOPOLOGIES, 'mtu-sweep.yaml');

/** MTU and queue length of every interface of the lab, as the kernel reports them. */
function linkSettings(lab: Lab): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of lab.nodes) {
    const r = spawnSync('nsenter', [`--net=/run/netns/${n.ns}`, 'ip', '-j', 'link', 'show'], { encoding: 'utf8' });
    for (const l of JSON.parse(r.stdout) as { ifname: string; mtu: number; txqlen?: number }[]) out[`${n.name}:${l.ifname}`] = `${l.mtu}/${l.txqlen}`;
  }
  return out;
}

describe.skipIf(!isRoot)('nslab bench FILE: build, sweep, write results, remove', () => {
  it('a 2-combination sweep of the worked example writes CSV, JSON, SVG and PNG and leaves nothing behind', () => {
    const name = uniqueName();
    const dir = mkdtempSync(join(tmpdir(), 'nslab-bench-'));
    const file = join(dir, 'sweep.yaml');
    writeFileSync(file, renamed(readFileSync(EXAMPLE, 'utf8'), name));
    const out = join(dir, 'out');
    const r = nslab('bench', file, '--out', out, '--repeat', '1', '--seconds', '1', '--sweep', 'mtu=1500,9000', '--sweep', 'txqueuelen=500');
    expect(r.status, r.stderr).toBe(0);
    // Progress on stderr; stdout is the result alone: the table once, the verdict.
    expect(r.stderr).toContain('[2/2] mtu=9000 txqueuelen=500');
    expect(r.stderr).toContain('settings restored and read back');
    expect(r.stdout.match(/^combination /gm)).toHaveLength(1);
    expect(r.stdout).toMatch(/^mtu=9000 txqueuelen=500 /m);
    expect(r.stdout).toContain('mtu: one run per combination: no verdict (measure with --repeat 3 or more)');
    expect(r.stdout).not.toContain('[2/2]');
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[1]!.startsWith('1500,500,')).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.results.map((x: { label: string }) => x.label)).toEqual(['mtu=1500 txqueuelen=500', 'mtu=9000 txqueuelen=500']);
    expect(json.results[0].throughput.median).toBeGreaterThan(1e8);
    expect(json.verdicts).toEqual([{ knob: 'mtu', none: expect.stringContaining('one run per combination'), over_budget: [] }]);
    expect(readFileSync(join(out, 'chart.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(out, 'chart.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(namespaces(`${name}-`)).toEqual([]);
  }, 120_000);

  it('a file without a bench section is refused with exit 2', () => {
    const r = nslab('bench', join(TOPOLOGIES, 'quickstart.yaml'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('has no `bench:` section');
  });
});

describe.skipIf(!isRoot)('runBench on a running lab', () => {
  const live = liveLab(() => labFromFile(EXAMPLE));
  let before: Record<string, string>;
  beforeAll(() => {
    before = linkSettings(live());
  });

  it('measures each combination with its settings in place, then restores them', async (ctx) => {
    const tbf = await missingFeature('tbf');
    ctx.skip(tbf !== undefined, tbf);
    const lab = live();
    const bench = withSweep(lab.bench!, [{ name: 'mtu', values: [9000] }, { name: 'txqueuelen', values: [300] }, { name: 'shape', values: ['20mbit', '50mbit'] }]);
    const seen: string[] = [];
    const report = await runBench(lab, bench, {
      repeat: 1,
      seconds: 2,
      onEvent: (e) => {
        // While a combination is measured the kernel holds it: sample one interface mid-sweep.
        if (e.type === 'result') seen.push(linkSettings(lab)['r1:eth1']!);
      },
    });
    expect(seen).toEqual(['9000/300', '9000/300']);
    const [slow, fast] = report.results.map((r) => r.throughput.median);
    // tbf on every interface of the path: the shaped rate bounds what TCP gets.
    expect(slow).toBeLessThan(20e6 * 1.05);
    expect(slow).toBeGreaterThan(20e6 * 0.7);
    expect(fast).toBeGreaterThan(slow! * 1.8);
    // Latency under load: percentiles of every probe reply, ordered, above the idle path's RTT.
    for (const r of report.results) {
      const [p50, p90, p99, max] = [r.rttP50Ms, r.rttP90Ms, r.rttP99Ms, r.rttMaxMs].map((st) => st!.median);
      expect(p50).toBeLessThanOrEqual(p90!);
      expect(p90).toBeLessThanOrEqual(p99!);
      expect(p99).toBeLessThanOrEqual(max!);
      expect(r.runs[0]!.rttP50Ms).toBeGreaterThan(0);
      expect(r.idleRttMs).toBeGreaterThan(0);
      // A TCP stream through a 20 Mbit/s shaper queues: its median RTT is above the idle one.
      expect(p50).toBeGreaterThan(r.idleRttMs!);
      // Moving bits costs CPU time.
      expect(r.cpuSecPerGbit!.median).toBeGreaterThan(0);
    }
    expect(linkSettings(lab)).toEqual(before);
    for (const n of lab.nodes) expect(await readImpairments(runner, n.ns)).toEqual([]);
    expect(await kernelDiff(lab)).toEqual([]);
  }, 120_000);

  it('offload on/off: set with ethtool on the path, held while measured, each feature put back as it was', async () => {
    const lab = live();
    const h1 = lab.nodes.find((n) => n.name === 'h1')!;
    const features = () => {
      const r = spawnSync('nsenter', [`--net=/run/netns/${h1.ns}`, 'ethtool', '-k', 'eth0'], { encoding: 'utf8' });
      return ['tcp-segmentation-offload', 'generic-segmentation-offload', 'generic-receive-offload'].map((f) => new RegExp(`^${f}: (on|off)`, 'm').exec(r.stdout)?.[1]).join('/');
    };
    const was = features();
    const seen: string[] = [];
    const bench = withSweep(lab.bench!, [{ name: 'mtu', values: [1500] }, { name: 'txqueuelen', values: [1000] }, { name: 'offload', values: ['off', 'on'] }]);
    const report = await runBench(lab, bench, { repeat: 1, seconds: 1, onEvent: (e) => e.type === 'result' && seen.push(features()) });
    expect(seen).toEqual(['off/off/off', 'on/on/on']);
    expect(report.results.map((r) => r.label)).toEqual(['mtu=1500 txqueuelen=1000 offload=off', 'mtu=1500 txqueuelen=1000 offload=on']);
    expect(features()).toBe(was);
    expect(linkSettings(lab)).toEqual(before);
  }, 120_000);

  it('stops when interrupted, keeps what it measured, and still restores', async () => {
    const lab = live();
    const ac = new AbortController();
    const bench = withSweep(lab.bench!, [{ name: 'mtu', values: [1500, 4000, 9000] }, { name: 'txqueuelen', values: [2000] }]);
    const report = await runBench(lab, bench, { repeat: 1, seconds: 1, signal: ac.signal, onEvent: (e) => e.type === 'result' && ac.abort() });
    expect(report.interrupted).toBe(true);
    expect(report.results).toHaveLength(1);
    expect(linkSettings(lab)).toEqual(before);
  }, 120_000);
});

describe.skipIf(!isRoot)('topologies/bufferbloat.yaml: txqueuelen sizes the queue in front of the bottleneck', () => {
  const live = liveLab(() => labFromFile(join(TOPOLOGIES, 'bufferbloat.yaml')));

  it('the queue is a pfifo of txqueuelen packets, made again for each txqueuelen, read back while measured; all put back', async (ctx) => {
    const tbf = await missingFeature('tbf');
    ctx.skip(tbf !== undefined, tbf);
    const lab = live();
    const r = lab.nodes.find((n) => n.name === 'r')!;
    const queue = async () => (await readImpairments(runner, r.ns, 'eth1'))[0]?.tbf?.queue;
    expect(await queue()).toEqual({ kind: 'pfifo', limit: 1000 });
    const limits: number[] = [];
    const bench = withSweep(lab.bench!, [{ name: 'txqueuelen', values: [10, 1000] }]);
    const report = await runBench(lab, bench, {
      repeat: 1,
      seconds: 2,
      onEvent: (e) => {
        if (e.type !== 'result') return;
        const tc = spawnSync('nsenter', [`--net=/run/netns/${r.ns}`, 'tc', '-j', 'qdisc', 'show', 'dev', 'eth1'], { encoding: 'utf8' });
        limits.push((JSON.parse(tc.stdout) as { kind: string; options: { limit?: number } }[]).find((q) => q.kind === 'pfifo')!.options.limit!);
      },
    });
    expect(limits).toEqual([10, 1000]);
    // What arrived through the 20 Mbit/s bottleneck, not the 30 Mbit/s sent.
    for (const x of report.results) expect(x.throughput.median).toBeLessThan(21e6);
    // How p99 grows with the queue is measured in the VM, alone on its CPUs
    // (test/kernel/queues.test.ts): here other test files build labs at the
    // same time (the 1000-host star), and a stream starved of CPU never fills
    // the queue — seen once in CI: p99 2.1 ms at txqueuelen 1000.
    expect(await queue()).toEqual({ kind: 'pfifo', limit: 1000 });
    expect(await kernelDiff(lab)).toEqual([]);
  }, 120_000);

  it('a queue sweep puts each queue in front of the shaper, measured there, then the declared one back', async (ctx) => {
    const tbf = await missingFeature('tbf');
    ctx.skip(tbf !== undefined, tbf);
    const lab = live();
    const r = lab.nodes.find((n) => n.name === 'r')!;
    const seen: unknown[] = [];
    const bench = withSweep(lab.bench!, [{ name: 'queue', values: ['bfifo', 'pfifo_fast'] }, { name: 'txqueuelen', values: [100] }]);
    const report = await runBench(lab, bench, {
      repeat: 1,
      seconds: 1,
      onEvent: (e) => {
        // While a combination is measured the kernel holds its queue: read it then.
        if (e.type !== 'result') return;
        const tc = spawnSync('nsenter', [`--net=/run/netns/${r.ns}`, 'tc', '-j', 'qdisc', 'show', 'dev', 'eth1'], { encoding: 'utf8' });
        const child = (JSON.parse(tc.stdout) as { kind: string; parent?: string }[]).find((q) => q.parent === '1:1');
        seen.push(`${e.result.label}: ${child?.kind}`);
      },
    });
    expect(seen).toEqual(['txqueuelen=100 queue=bfifo: bfifo', 'txqueuelen=100 queue=pfifo_fast: pfifo_fast']);
    // At most the shaper's 20 Mbit/s (it is still in front), and a queue that
    // passes traffic (a bfifo sized in bytes as if in packets would starve
    // it). Not "near 20": with the 1000-host star of another test file on the
    // same 2 cores, CI once measured one of these below 15 Mbit/s — the
    // sender starved of CPU, not the queue. Whether a queue fills is measured
    // in the VM, alone on its CPUs (test/kernel/queues.test.ts).
    const rates = report.results.map((x) => x.throughput.median);
    for (const rate of rates) expect(rate, `throughputs ${rates.join(', ')}`).toBeGreaterThan(5e6);
    for (const rate of rates) expect(rate, `throughputs ${rates.join(', ')}`).toBeLessThan(21e6);
    expect((await readImpairments(runner, r.ns, 'eth1'))[0]?.tbf?.queue).toEqual({ kind: 'pfifo', limit: 1000 });
    expect(await kernelDiff(lab)).toEqual([]);
  }, 120_000);
});
