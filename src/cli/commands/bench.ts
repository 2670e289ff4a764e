/**
 * `nslab bench FILE|LAB`: sweep link settings and measure. Given a file, the
 * lab is built, benchmarked and removed (whatever happens); given the name
 * of a lab that is up, it is used as it is and left up — with every setting
 * put back as it was.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, UsageError } from '../../diagnostics.js';
import type { BenchEvent, BenchReport } from '../../bench/run.js';
import { BenchSchema, DIMENSIONS, type DimensionName } from '../../topology/schema.js';
import { parseTime } from '../../topology/units.js';
import type { Io } from '../io.js';
import { labFromTarget } from './lab-name.js';

export interface BenchCliOptions {
  out?: string;
  repeat?: string;
  seconds?: string;
  sweep?: string[];
  png?: boolean;
  json?: boolean;
  quiet?: boolean;
  strict?: boolean;
  latencyBudget?: string;
}

/** `mtu=1500,9000` → a dimension, its values checked like the file's. */
export function parseSweepFlag(text: string): { name: DimensionName; values: (string | number)[] } {
  const eq = text.indexOf('=');
  const name = text.slice(0, eq) as DimensionName;
  if (eq < 0 || !DIMENSIONS.includes(name)) {
    throw new UsageError(`--sweep ${text}: expected NAME=V1,V2,… with NAME one of ${DIMENSIONS.join(', ')}`, 'e.g. --sweep mtu=1500,9000');
  }
  const numeric = name === 'mtu' || name === 'txqueuelen' || name === 'streams';
  const values = text.slice(eq + 1).split(',').map((v) => v.trim()).filter(Boolean).map((v) => (numeric ? Number(v) : v));
  const parsed = BenchSchema.shape.sweep.shape[name].safeParse(values);
  if (!parsed.success || values.length === 0) {
    const issue = parsed.error?.issues[0];
    throw new UsageError(`--sweep ${text}: ${issue ? `${issue.path.length ? `value ${values[Number(issue.path[0])]}: ` : ''}${issue.message}` : 'no values'}`);
  }
  return { name, values };
}

function positive(flag: string, v: string | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`${flag} must be a number from 1 to ${max}, got ${v}`);
  return n;
}

export async function benchCommand(io: Io, target: string, opts: BenchCliOptions): Promise<number> {
  const lab = await labFromTarget(io, target, { strict: opts.strict });
  if (!lab.bench) throw new UsageError(`${lab.file} has no \`bench:\` section`, 'add one (see topologies/mtu-sweep.yaml), naming from, to and what to sweep');
  const overrides = (opts.sweep ?? []).map(parseSweepFlag);
  const repeat = positive('--repeat', opts.repeat, 100);
  const seconds = positive('--seconds', opts.seconds, 600);
  const budgetUs = opts.latencyBudget === undefined ? undefined : parseTime(opts.latencyBudget);
  if (opts.latencyBudget !== undefined && !budgetUs) throw new UsageError(`--latency-budget must be a time with a unit, like 20ms, got ${opts.latencyBudget}`);
  const latencyBudgetMs = budgetUs === undefined ? undefined : budgetUs / 1000;
  const [{ runBench }, { withSweep, expandSweep }, report, { readState }, { verdicts, formatVerdict }] = await Promise.all([
    import('../../bench/run.js'),
    import('../../bench/sweep.js'),
    import('../../report/bench.js'),
    import('../../exec/state.js'),
    import('../../bench/verdict.js'),
  ]);
  const bench = withSweep(lab.bench, overrides);
  const total = expandSweep(bench.dimensions).length;
  const outDir = opts.out ?? `nslab-bench-${lab.name}`;
  // Progress and live rows go to stderr: stdout holds the result alone (the
  // table once, the verdict), so `nslab bench … > results.txt` reads well.
  const say = (t: string) => !opts.quiet && !opts.json && io.err(t);
  const rows: string[][] = [];

  const ac = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) return;
    signalled = sig;
    io.err(`\nnslab: ${sig}: finishing the current measurement, then restoring settings…\n`);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onEvent = (e: BenchEvent) => {
    if (e.type === 'start') {
      say(`bench ${lab.name}: ${total} combination${total === 1 ? '' : 's'} × ${repeat ?? bench.spec.repeat ?? 3} runs, ${bench.from} → ${bench.toNode}, settings on ${e.path.length} interfaces of the path\n`);
      say(`  path: ${e.path.map((p) => `${p.node}:${p.ifname}`).join(' → ')}\n`);
    } else if (e.type === 'combination') {
      if (io.isTTY) say(`  [${e.k}/${e.total}] measuring ${Object.entries(e.combo).map(([k, v]) => `${k}=${v}`).join(' ')}…\r`);
    } else if (e.type === 'result') {
      rows.push(report.tableRow(e.result));
      if (io.isTTY) say('\x1b[2K');
      say(`  [${e.k}/${e.total}] ${report.tableRow(e.result).join('  ')}${e.k < e.total ? `  (ETA ${formatDuration(e.etaMs)})` : ''}\n`);
    } else if (e.type === 'restored') {
      say('  settings restored and read back\n');
    }
  };

  let result: BenchReport;
  const owned = !readState(lab.name);
  try {
    if (owned) {
      const [{ up }, { waitReady }, { SpawnRunner }, { loadInProcess }] = await Promise.all([import('../../exec/up.js'), import('../../exec/ready.js'), import('../../exec/runner.js'), import('../../netlink/native.js')]);
      say(`building lab ${lab.name} for the bench (removed afterwards)…\n`);
      await up(lab, { signal: ac.signal });
      await waitReady(lab, new SpawnRunner(), { inProcess: loadInProcess() });
    }
    result = await runBench(lab, bench, { repeat, seconds, onEvent, signal: ac.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (owned) {
      const { down } = await import('../../exec/down.js');
      await down(lab.name);
    }
  }

  await mkdir(outDir, { recursive: true });
  const files = { csv: join(outDir, 'results.csv'), json: join(outDir, 'results.json'), svg: join(outDir, 'chart.svg'), png: join(outDir, 'chart.png') };
  await writeFile(files.csv, report.toCsv(result));
  const judged = verdicts(result, { latencyBudgetMs });
  await writeFile(files.json, report.toJson(result, judged));
  const written = [files.csv, files.json];
  if (result.results.length > 0) {
    const { renderChart } = await import('../../report/bench-chart.js');
    const chart = await renderChart(result, { png: opts.png !== false });
    await writeFile(files.svg, chart.svg);
    written.push(files.svg);
    if (chart.png) {
      await writeFile(files.png, chart.png);
      written.push(files.png);
    }
  }
  if (opts.json) io.out(report.toJson(result, judged));
  else {
    if (!opts.quiet) io.out(report.formatTable(rows));
    io.out(`${judged.map((v) => formatVerdict(v, latencyBudgetMs)).join('\n') || 'one value per knob: nothing to compare'}\n`);
    io.err(`wrote ${written.join(', ')}\n`);
  }
  if (signalled) return signalled === 'SIGINT' ? 130 : 143;
  return ExitCode.ok;
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
