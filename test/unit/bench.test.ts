/**
 * nslab bench, the pure half: which interfaces a sweep touches, the
 * combinations, the commands that apply them and the check that they took,
 * aggregation, and the CSV/chart data. The real sweep runs in
 * test/integration/bench.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregate, stat } from '../../src/bench/aggregate.js';
import type { BenchReport } from '../../src/bench/run.js';
import { expandSweep, linkCommands, linkMismatches, settingsFor, withSweep } from '../../src/bench/sweep.js';
import { parseSweepFlag } from '../../src/cli/commands/bench.js';
import { pathBetween } from '../../src/compile/path.js';
import { UsageError } from '../../src/diagnostics.js';
import { chartData } from '../../src/report/bench-chart.js';
import { toCsv } from '../../src/report/bench.js';
import { loadTopology } from '../../src/topology/load.js';
import { TOPOLOGIES } from '../helpers/fixtures.js';

// Fixtures are functions, called inside each test: code that runs while
// vitest collects tests is invisible to mutation testing.
const sweepLab = () => loadTopology('mtu-sweep.yaml', readFileSync(join(TOPOLOGIES, 'mtu-sweep.yaml'), 'utf8'));

const bridged = () => loadTopology(
  'bridged.yaml',
  `name: bb
nodes:
  a: {}
  b: {}
  c: {}
  lan: { kind: bridge, subnet: 10.0.0.0/24 }
links:
  - endpoints: [a:eth0, lan]
  - endpoints: [b:eth0, lan]
  - endpoints: [c:eth0, lan]
  - endpoints: [a:eth1, c:eth1]
    ip: [10.9.0.1/24, 10.9.0.2/24]
    netem: { a: { delay: 5ms } }
bench:
  from: a
  to: b
  sweep:
    mtu: [1500, 9000]
    txqueuelen: [100]
    shape: { values: [10mbit], on: [a:eth1] }
`,
);

describe('bench: the path between two nodes', () => {
  it('a routed path: both ends of every link, in order', () => {
    expect(pathBetween(sweepLab(), 'h1', 'h2')!.map((p) => `${p.node}:${p.ifname}`)).toEqual([
      'h1:eth0', 'r1:eth0', 'r1:eth1', 'r2:eth1', 'r2:eth0', 'h2:eth0',
    ]);
  });
  it('across a bridge: the ports and the bridge device between them', () => {
    const path = pathBetween(bridged(), 'a', 'b')!;
    expect(path.map((p) => `${p.node}:${p.ifname}${p.bridgeDevice ? ' (device)' : ''}`)).toEqual([
      'a:eth0', 'lan:a-eth0', 'lan:lan (device)', 'lan:b-eth0', 'b:eth0',
    ]);
  });
  it('no path: undefined', () => {
    const lonely = loadTopology('x.yaml', 'name: x\nnodes: { a: {}, b: {}, c: {} }\nlinks:\n  - endpoints: [a:eth0, b:eth0]\n    ip: [10.0.0.1/24, 10.0.0.2/24]\n');
    expect(pathBetween(lonely, 'a', 'c')).toBeUndefined();
  });
});

describe('bench: combinations', () => {
  it('every combination, the first dimension varying slowest', () => {
    expect(expandSweep(sweepLab().bench!.dimensions)).toEqual([
      { mtu: 1500, txqueuelen: 100 }, { mtu: 1500, txqueuelen: 1000 }, { mtu: 1500, txqueuelen: 10000 },
      { mtu: 4000, txqueuelen: 100 }, { mtu: 4000, txqueuelen: 1000 }, { mtu: 4000, txqueuelen: 10000 },
      { mtu: 9000, txqueuelen: 100 }, { mtu: 9000, txqueuelen: 1000 }, { mtu: 9000, txqueuelen: 10000 },
    ]);
  });
  it('--sweep replaces a dimension\'s values or adds one', () => {
    const b = withSweep(sweepLab().bench!, [{ name: 'mtu', values: [1500, 9000] }, { name: 'streams', values: [1, 4] }]);
    expect(expandSweep(b.dimensions)).toHaveLength(2 * 3 * 2);
    expect(b.dimensions.map((d) => d.name)).toEqual(['mtu', 'txqueuelen', 'streams']);
  });
});

describe('bench: a pfifo in front of a shaper is made again when txqueuelen changes', () => {
  const bloat = () => loadTopology('bufferbloat.yaml', readFileSync(join(TOPOLOGIES, 'bufferbloat.yaml'), 'utf8'));
  it('the swept interface carries its declared impairment, to be applied after the new txqueuelen', () => {
    const lab = bloat();
    const s = settingsFor(lab.bench!, lab, pathBetween(lab, 'a', 'b')!, { txqueuelen: 1000 });
    expect(s).toEqual([{ node: 'r', ns: 'bloat-r', ifname: 'eth1', txqueuelen: 1000, netem: { shape: { rate: '20mbit', queue: 'pfifo' } } }]);
  });
  it('a swept queue replaces the declared one in front of the declared shaper', () => {
    const lab = bloat();
    const bench = withSweep(lab.bench!, [{ name: 'queue', values: ['fq_codel'] }]);
    bench.dimensions.find((d) => d.name === 'queue')!.on = [{ node: 'r', ifname: 'eth1' }];
    expect(settingsFor(bench, lab, pathBetween(lab, 'a', 'b')!, { queue: 'fq_codel' })).toEqual([{ node: 'r', ns: 'bloat-r', ifname: 'eth1', netem: { shape: { rate: '20mbit', queue: 'fq_codel' } } }]);
  });
  it('without `on:`, a swept queue goes only where the path has a shaper (--sweep queue=… on the example)', () => {
    const lab = bloat();
    const bench = withSweep(lab.bench!, [{ name: 'queue', values: ['pfifo', 'cake'] }]);
    expect(settingsFor(bench, lab, pathBetween(lab, 'a', 'b')!, { queue: 'cake' }).map((x) => [`${x.node}:${x.ifname}`, x.netem?.shape?.queue])).toEqual([['r:eth1', 'cake']]);
  });
  it('an interface without such a queue gets only its txqueuelen', () => {
    const lab = bridged();
    expect(settingsFor(lab.bench!, lab, pathBetween(lab, 'a', 'b')!, { txqueuelen: 100 }).every((x) => x.netem === undefined)).toBe(true);
  });
});

describe('bench: what a combination sets, where', () => {
  const settings = () => {
    const lab = bridged();
    return settingsFor(lab.bench!, lab, pathBetween(lab, 'a', 'b')!, { mtu: 9000, txqueuelen: 100, shape: '10mbit' });
  };
  const at = (node: string, ifname: string) => settings().find((s) => s.node === node && s.ifname === ifname);
  it('MTU on every interface of the path, the bridge device included', () => {
    expect(settings().filter((s) => s.mtu === 9000).map((s) => `${s.node}:${s.ifname}`)).toEqual(['a:eth0', 'lan:a-eth0', 'lan:lan', 'lan:b-eth0', 'b:eth0']);
  });
  it('txqueuelen on the veths only: a bridge device has no queue to tune', () => {
    expect(at('lan', 'lan')!.txqueuelen).toBeUndefined();
    expect(at('a', 'eth0')!.txqueuelen).toBe(100);
  });
  it('`on:` sends a dimension elsewhere, and netem fields merge into the link\'s own impairment', () => {
    expect(at('a', 'eth1')!.netem).toEqual({ delay: '5ms', shape: { rate: '10mbit' } });
    expect(at('a', 'eth0')!.netem).toBeUndefined();
  });
  it('one ip -batch per namespace; a bridge device after its ports', () => {
    const cmds = linkCommands(settings());
    expect(cmds.get('bb-lan')).toEqual([
      ['ip', 'link', 'set', 'dev', 'a-eth0', 'mtu', '9000', 'txqueuelen', '100'],
      ['ip', 'link', 'set', 'dev', 'b-eth0', 'mtu', '9000', 'txqueuelen', '100'],
      ['ip', 'link', 'set', 'dev', 'lan', 'mtu', '9000'],
    ]);
  });
  it('the kernel\'s answer is compared setting by setting', () => {
    const observed = new Map([
      ['bb-a', [{ ifname: 'eth0', mtu: 9000, txqlen: 100 }, { ifname: 'eth1', mtu: 1500, txqlen: 1000 }]],
      ['bb-lan', [{ ifname: 'a-eth0', mtu: 9000, txqlen: 100 }, { ifname: 'b-eth0', mtu: 1500, txqlen: 100 }, { ifname: 'lan', mtu: 9000, txqlen: 0 }]],
      ['bb-b', [{ ifname: 'eth0', mtu: 9000, txqlen: 1000 }]],
    ]);
    expect(linkMismatches(settings(), observed)).toEqual(['lan:b-eth0: mtu 1500, expected 9000', 'b:eth0: txqueuelen 1000, expected 100']);
  });
});

describe('bench: aggregation', () => {
  it('median, min and max; an even count takes the mean of the middle two', () => {
    expect(stat([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(stat([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(stat([])).toBeUndefined();
  });
  it('figures a run did not produce are left out', () => {
    const r = aggregate({ mtu: 9000 }, [{ bitsPerSecond: 10, retransmits: 1 }, { bitsPerSecond: 30, retransmits: 5 }, { bitsPerSecond: 20, retransmits: 3 }]);
    expect(r).toMatchObject({ label: 'mtu=9000', throughput: { median: 20, min: 10, max: 30 }, retransmits: { median: 3 } });
    expect(r.rttMs).toBeUndefined();
  });
});

describe('bench: CSV and chart data', () => {
  const report: BenchReport = {
    lab: 'x', from: 'h1', to: 'h2', target: '10.0.3.2', protocol: 'tcp', seconds: 2, warmupSeconds: 1, repeat: 2,
    dimensions: [{ name: 'mtu', values: [1500, 9000], on: [] }, { name: 'txqueuelen', values: [100, 1000], on: [] }],
    path: ['h1:eth0', 'h2:eth0'], startedAt: '', ms: 0, interrupted: false,
    results: [
      aggregate({ mtu: 1500, txqueuelen: 100 }, [{ bitsPerSecond: 1e9, rttMs: 0.1 }, { bitsPerSecond: 3e9, rttMs: 0.3 }]),
      aggregate({ mtu: 1500, txqueuelen: 1000 }, [{ bitsPerSecond: 2e9 }]),
      aggregate({ mtu: 9000, txqueuelen: 100 }, [{ bitsPerSecond: 4e9 }]),
    ],
  };
  it('one row per combination: swept values, then median/min/max of each figure', () => {
    const [header, first, , third] = toCsv(report).trim().split('\n');
    expect(header!.split(',').slice(0, 5)).toEqual(['mtu', 'txqueuelen', 'throughput_bps_median', 'throughput_bps_min', 'throughput_bps_max']);
    expect(first!.split(',').slice(0, 5)).toEqual(['1500', '100', '2000000000', '1000000000', '3000000000']);
    expect(first!.split(',').slice(8, 11)).toEqual(['0.2', '0.1', '0.3']);
    expect(third!.split(',').at(-1)).toBe('1');
  });
  it('the chart: the first dimension along the axis, a series per value of the rest, Mbit/s; gaps stay gaps', () => {
    expect(chartData(report)).toEqual({
      categories: ['1500', '9000'],
      series: [
        { name: 'txqueuelen=100', median: [2000, 4000], min: [1000, 4000], max: [3000, 4000], p99Ms: [null, null] },
        { name: 'txqueuelen=1000', median: [2000, null], min: [2000, null], max: [2000, null], p99Ms: [null, null] },
      ],
    });
  });
});

describe('bench: the chart carries p99 under load where it was measured', () => {
  it('one p99 value per category and series, in ms; a combination not measured is a gap', () => {
    const report: BenchReport = {
      lab: 'x', from: 'a', to: 'b', target: 'b', protocol: 'udp', seconds: 3, warmupSeconds: 1, repeat: 1, path: [], startedAt: '', ms: 0, interrupted: false,
      dimensions: [{ name: 'txqueuelen', values: [10, 100, 1000], on: ['r:eth1'] }],
      results: [
        aggregate({ txqueuelen: 10 }, [{ bitsPerSecond: 19.5e6, rttP99Ms: 5.4 }]),
        aggregate({ txqueuelen: 100 }, [{ bitsPerSecond: 19.5e6, rttP99Ms: 59 }]),
      ],
    };
    expect(chartData(report).series).toEqual([{ name: 'throughput', median: [19.5, 19.5, null], min: [19.5, 19.5, null], max: [19.5, 19.5, null], p99Ms: [5.4, 59, null] }]);
  });
});

describe('bench: --sweep flags', () => {
  it('NAME=V1,V2 with the file\'s own rules', () => {
    expect(parseSweepFlag('mtu=1500,9000')).toEqual({ name: 'mtu', values: [1500, 9000] });
    expect(parseSweepFlag('delay=1ms, 10ms')).toEqual({ name: 'delay', values: ['1ms', '10ms'] });
  });
  it('refuses an unknown dimension and a bad value, saying which', () => {
    expect(() => parseSweepFlag('mtux=1500')).toThrow(UsageError);
    expect(() => parseSweepFlag('mtu=1500,70000')).toThrow('value 70000: MTU must be at most 65535 bytes');
  });
});
