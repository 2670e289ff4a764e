/**
 * A bar chart of median throughput by setting: the first swept dimension
 * along the x axis, one series per combination of the others, min–max as
 * error bars; where latency was measured, p99 RTT under load as a line on a
 * second, logarithmic axis (a queue's effect spans milliseconds to
 * seconds). Rendered headless by Apache ECharts (its server-side SVG
 * renderer needs no DOM or canvas); PNG via resvg. Both libraries load only
 * when a chart is asked for.
 */
import type { BenchReport } from '../bench/run.js';
import { comboLabel, type Combination } from '../bench/sweep.js';

export interface Chart {
  svg: string;
  png?: Uint8Array;
}

/** The chart's data, separated from drawing so it can be tested: categories, series and values in Mbit/s. */
export function chartData(report: BenchReport): { categories: string[]; series: { name: string; median: (number | null)[]; min: (number | null)[]; max: (number | null)[]; p99Ms: (number | null)[] }[] } {
  const [first, ...rest] = report.dimensions;
  if (!first) return { categories: [], series: [] };
  const categories = first.values.map(String);
  const seriesKey = (c: Combination) => comboLabel(Object.fromEntries(rest.map((d) => [d.name, c[d.name as keyof Combination]]))) || 'throughput';
  const names = [...new Set(report.results.map((r) => seriesKey(r.combo)))];
  const series = names.map((name) => {
    const at = (cat: string) => report.results.find((r) => seriesKey(r.combo) === name && String(r.combo[first.name as keyof Combination]) === cat);
    const pick = (f: (r: NonNullable<ReturnType<typeof at>>) => number) => categories.map((c) => (at(c) ? round(f(at(c)!) / 1e6) : null));
    const p99Ms = categories.map((c) => at(c)?.rttP99Ms?.median ?? null);
    return { name, median: pick((r) => r.throughput.median), min: pick((r) => r.throughput.min), max: pick((r) => r.throughput.max), p99Ms };
  });
  return { categories, series };
}

const round = (v: number) => Number(v.toPrecision(4));

/** Where the settings went: the interfaces every dimension names with `on:`, else the path. */
function settingsWhere(report: BenchReport): string {
  const on = new Set(report.dimensions.flatMap((d) => d.on));
  return report.dimensions.every((d) => d.on.length) ? [...on].join(', ') : `${report.path.length} interfaces of the path`;
}

export async function renderChart(report: BenchReport, opts: { png?: boolean; width?: number; height?: number } = {}): Promise<Chart> {
  const echarts = await import('echarts');
  const width = opts.width ?? 900;
  const height = opts.height ?? 480;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  const { categories, series } = chartData(report);
  const first = report.dimensions[0]?.name ?? '';
  const n = series.length;
  const latency = series.some((x) => x.p99Ms.some((v) => v !== null));
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: {
      text: `${report.lab}: ${report.protocol.toUpperCase()} throughput by ${report.dimensions.map((d) => d.name).join(' × ')}`,
      subtext: `iperf3 ${report.from} → ${report.to}, median of ${report.repeat} × ${report.seconds} s (bars: min–max${latency ? '; line: p99 RTT under load' : ''}); settings on ${settingsWhere(report)}`,
      left: 'center',
    },
    legend: { bottom: 0, show: n > 1 || latency, itemGap: 40 },
    grid: { top: 80, bottom: n > 1 || latency ? 70 : 50, left: 70, right: latency ? 80 : 20 },
    xAxis: { type: 'category', data: categories, name: first, nameLocation: 'middle', nameGap: 28 },
    yAxis: [{ type: 'value', name: 'Mbit/s' }, ...(latency ? [{ type: 'log', name: 'p99 RTT ms', position: 'right', splitLine: { show: false } }] : [])],
    series: [
      ...series.map((s) => ({ type: 'bar', name: s.name, data: s.median, label: { show: categories.length * n <= 16, position: 'insideBottom', color: '#fff', fontSize: 11 } })),
      // Error bars: a custom series drawing a vertical min–max line over each bar.
      ...series.map((s, si) => ({
        type: 'custom',
        name: s.name,
        silent: true,
        z: 10,
        data: categories.map((_, ci) => [ci, s.min[ci], s.max[ci]]),
        renderItem: (_params: unknown, api: { value(i: number): number; coord(p: number[]): number[]; size(p: number[]): number[] }) => {
          const ci = api.value(0);
          const low = api.coord([ci, api.value(1)]);
          const high = api.coord([ci, api.value(2)]);
          const band = api.size([1, 0])[0]! * 0.8;
          const x = low[0]! - band / 2 + (band / n) * (si + 0.5);
          const style = { stroke: '#333', lineWidth: 1 };
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: x, y1: low[1], x2: x, y2: high[1] }, style },
              { type: 'line', shape: { x1: x - 4, y1: low[1], x2: x + 4, y2: low[1] }, style },
              { type: 'line', shape: { x1: x - 4, y1: high[1], x2: x + 4, y2: high[1] }, style },
            ],
          };
        },
      })),
      ...(latency
        ? series.map((s) => ({
            type: 'line', name: `${s.name === 'throughput' ? '' : `${s.name} `}p99 RTT under load`, yAxisIndex: 1, data: s.p99Ms, symbolSize: 8, itemStyle: { color: '#c2410c' }, lineStyle: { type: 'dashed', color: '#c2410c' },
            label: { show: categories.length * n <= 16, position: 'top', formatter: (p: { value: number }) => `${p.value} ms` },
          }))
        : []),
    ],
  } as Parameters<typeof chart.setOption>[0]);
  const svg = chart.renderToSVGString();
  chart.dispose();
  if (!opts.png) return { svg };
  const { Resvg } = await import('@resvg/resvg-js');
  const png = new Resvg(svg, { font: { loadSystemFonts: true }, fitTo: { mode: 'width', value: width } }).render().asPng();
  return { svg, png };
}
