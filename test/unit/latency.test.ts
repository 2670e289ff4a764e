/**
 * Latency under load: percentiles of every reply's RTT, computed on known
 * samples, and how they reach the bench's table and CSV.
 */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../src/bench/aggregate.js';
import { latencyOf, percentile, probeArgv, rttSamples } from '../../src/bench/latency.js';
import { tableRow, toCsv } from '../../src/report/bench.js';
import type { BenchReport } from '../../src/bench/run.js';

describe('rule: a percentile is the nearest-rank sample, never an interpolation', () => {
  it('on 1..100, p50 is 50, p90 is 90, p99 is 99', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(s, 50), percentile(s, 90), percentile(s, 99), percentile(s, 100)]).toEqual([50, 90, 99, 100]);
  });
  it('on 10 samples, p99 is the largest and p90 the ninth; p50 of an even count is the lower middle', () => {
    const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([percentile(s, 50), percentile(s, 90), percentile(s, 99)]).toEqual([5, 9, 10]);
  });
  it('one sample is every percentile; p0 is the smallest; no samples is an error', () => {
    expect([percentile([7], 1), percentile([7], 99)]).toEqual([7, 7]);
    expect(percentile([3, 4], 0)).toBe(3);
    expect(() => percentile([], 50)).toThrow(RangeError);
  });
  it('latencyOf sorts first: the order the replies came in does not matter', () => {
    expect(latencyOf([5, 1, 100, 2, 3, 4, 6, 7, 8, 9])).toEqual({ p50Ms: 5, p90Ms: 9, p99Ms: 100, maxMs: 100, samples: 10 });
    expect(latencyOf([])).toBeUndefined();
  });
  it('a queue that fills for a tenth of the run moves p99, not the median', () => {
    const samples = [...Array(90).fill(1), ...Array(10).fill(60)];
    expect(latencyOf(samples)).toMatchObject({ p50Ms: 1, p90Ms: 1, p99Ms: 60 });
  });
});

describe('rule: every reply of the probe is a sample; lost probes are none', () => {
  const out = `PING 10.0.3.2 (10.0.3.2) 56(84) bytes of data.
64 bytes from 10.0.3.2: icmp_seq=1 ttl=63 time=0.061 ms
64 bytes from 10.0.3.2: icmp_seq=3 ttl=63 time=59.2 ms
64 bytes from 10.0.3.2: icmp_seq=4 ttl=63 time=594 ms

--- 10.0.3.2 ping statistics ---
4 packets transmitted, 3 received, 25% packet loss, time 150ms
rtt min/avg/max/mdev = 0.061/217.753/594.000/266.683 ms
`;
  it('reads the three replies, not the summary', () => expect(rttSamples(out)).toEqual([0.061, 59.2, 594]));
  it('the probe prints every reply, at a fixed interval below ping\'s unprivileged floor', () => {
    expect(probeArgv('10.0.3.2', { seconds: 3 })).toEqual(['ping', '-n', '-i', '0.05', '-w', '3', '10.0.3.2']);
    expect(probeArgv('10.0.3.2', { count: 20 })).toEqual(['ping', '-n', '-i', '0.05', '-c', '20', '10.0.3.2']);
    expect(probeArgv('h2', { seconds: 0.5 })).toContain('1');
  });
});

describe('rule: the bench reports p50/p90/p99/max under load and the idle RTT', () => {
  const runs = [
    { bitsPerSecond: 20e6, rttMs: 30, rttP50Ms: 25, rttP90Ms: 50, rttP99Ms: 59, rttMaxMs: 61 },
    { bitsPerSecond: 19e6, rttMs: 31, rttP50Ms: 27, rttP90Ms: 52, rttP99Ms: 64, rttMaxMs: 70 },
    { bitsPerSecond: 21e6, rttMs: 29, rttP50Ms: 26, rttP90Ms: 51, rttP99Ms: 58, rttMaxMs: 66 },
  ];
  const result = () => aggregate({ txqueuelen: 100 }, runs, 0.06);
  it('each percentile is aggregated over the repeats like throughput (median, min, max)', () => {
    expect(result()).toMatchObject({ rttP50Ms: { median: 26, min: 25, max: 27 }, rttP99Ms: { median: 59, min: 58, max: 64 }, rttMaxMs: { median: 66 }, idleRttMs: 0.06 });
  });
  it('the table shows p50 / p99 with the spread of p99, and the idle RTT', () => {
    expect(tableRow(result())).toEqual(['txqueuelen=100', '20.0 (19.0–21.0)', '—', '26.0 / 59.0 (58.0–64.0)', '0.06', '—']);
  });
  it('without percentiles (an older result), the table falls back to the average; no idle RTT is a dash', () => {
    expect(tableRow(aggregate({ mtu: 1500 }, [{ bitsPerSecond: 1e9, rttMs: 0.5 }])).slice(3)).toEqual(['0.50 (0.50–0.50)', '—', '—']);
  });
  it('the CSV has a column triple per percentile, and the idle RTT', () => {
    const report: BenchReport = {
      lab: 'x', from: 'a', to: 'b', target: 'b', protocol: 'tcp', seconds: 3, warmupSeconds: 1, repeat: 3,
      dimensions: [{ name: 'txqueuelen', values: [100], on: [] }], path: [], startedAt: '', ms: 0, interrupted: false, results: [result()],
    };
    const [header, row] = toCsv(report).trim().split('\n').map((l) => l.split(','));
    const col = (name: string) => row![header!.indexOf(name)];
    expect([col('rtt_p50_ms_median'), col('rtt_p90_ms_median'), col('rtt_p99_ms_max'), col('rtt_max_ms_min'), col('idle_rtt_ms')]).toEqual(['26', '51', '64', '61', '0.06']);
  });
});
