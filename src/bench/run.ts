/**
 * Run a bench on a lab that is up: for each combination apply the settings
 * live, read them back, measure `repeat` times; afterwards put every touched
 * interface back as it was (also on failure or Ctrl-C) and read that back.
 */
import { parseIperf, parsePing } from '../checks/parse.js';
import { inNs, IPERF_PORT, iperfClientArgv } from '../checks/commands.js';
import { withIperfServer, withServerSide } from '../checks/iperf-server.js';
import { awaitQuietPath } from '../checks/quiet-path.js';
import { pathBetween, type PathInterface } from '../compile/path.js';
import { ExitCode, NslabError } from '../diagnostics.js';
import { nsPrefix } from '../exec/batch.js';
import { requireFeatures, type Feature } from '../exec/doctor.js';
import { requireTools } from '../exec/preflight.js';
import { SpawnRunner, type Runner } from '../exec/runner.js';
import { setImpairment } from '../impair/apply.js';
import type { Bench, Lab } from '../topology/model.js';
import { qdiscKinds } from '../topology/netem.js';
import type { RawShape } from '../topology/schema.js';
import { parseTime } from '../topology/units.js';
import { aggregate, type ComboResult, type RunMeasurement } from './aggregate.js';
import { readFileSync } from 'node:fs';
import { cpuSecondsPerGbit } from './cpu.js';
import { offloadArgv, offloadMismatches, parseOffloads, type Offloads } from './offload.js';
import { IDLE_PROBES, latencyOf, probeArgv, rttSamples } from './latency.js';
import { declaredNetem, expandSweep, key, linkCommands, linkMismatches, netemTargets, settingsFor, type Combination, type InterfaceSetting, type ObservedLinkSettings } from './sweep.js';

export class BenchError extends NslabError {
  readonly exitCode = ExitCode.deployFailed;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'BenchError';
    this.hint = hint;
  }
}

export interface BenchOptions {
  runner?: Runner;
  /** overrides the file's `repeat` / `seconds` */
  repeat?: number;
  seconds?: number;
  onEvent?: (e: BenchEvent) => void;
  signal?: AbortSignal;
}

export type BenchEvent =
  | { type: 'start'; total: number; path: PathInterface[] }
  | { type: 'combination'; k: number; total: number; combo: Combination }
  | { type: 'result'; k: number; total: number; result: ComboResult; etaMs: number }
  | { type: 'restored' };

export interface BenchReport {
  lab: string;
  from: string;
  to: string;
  target: string;
  protocol: 'tcp' | 'udp';
  seconds: number;
  warmupSeconds: number;
  repeat: number;
  dimensions: { name: string; values: (string | number)[]; on: string[] }[];
  path: string[];
  results: ComboResult[];
  startedAt: string;
  ms: number;
  /** the sweep stopped early (Ctrl-C): results hold what was measured */
  interrupted: boolean;
}

const IPERF_HINT = `run it by hand in the lab (\`nslab exec <lab> <node> -- iperf3 …\`); over UDP, iperf3 sends one hello datagram to port ${IPERF_PORT} and waits 30 s for the answer, so loss on the path or a firewall dropping that port fails it`;

const FEATURE_OF: Partial<Record<string, Feature>> = { delay: 'netem', loss: 'netem', rate: 'netem', shape: 'tbf', queue: 'tbf' };

export async function runBench(lab: Lab, bench: Bench, opts: BenchOptions = {}): Promise<BenchReport> {
  const runner = opts.runner ?? new SpawnRunner();
  const path = pathBetween(lab, bench.from, bench.toNode);
  if (!path) throw new BenchError(`no path from ${bench.from} to ${bench.toNode} in the lab's links`, 'bench measures across links of the lab');
  await preflight(runner, lab, bench, path);
  const spec = bench.spec;
  const repeat = opts.repeat ?? spec.repeat ?? 3;
  const seconds = opts.seconds ?? spec.seconds ?? 3;
  const warmupSeconds = spec.warmup ? parseTime(spec.warmup)! / 1e6 : 1;
  const combos = expandSweep(bench.dimensions);
  const started = new Date();
  const t0 = performance.now();
  opts.onEvent?.({ type: 'start', total: combos.length, path });

  // Everything any combination touches, and how it was before.
  const touched = new Map<string, InterfaceSetting>();
  for (const c of combos) for (const s of settingsFor(bench, lab, path, c)) touched.set(key(s.ns, s.ifname), { ...touched.get(key(s.ns, s.ifname)), ...s });
  const before = await readLinks(runner, [...touched.values()]);
  const offloadsBefore = await readAllOffloads(runner, [...touched.values()].filter((s) => s.offload));
  const results: ComboResult[] = [];
  let interrupted = false;
  try {
    for (const [i, combo] of combos.entries()) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      opts.onEvent?.({ type: 'combination', k: i + 1, total: combos.length, combo });
      const settings = settingsFor(bench, lab, path, combo);
      await applyLinks(runner, settings);
      await applyOffloads(runner, settings);
      for (const s of settings) if (s.netem) await setImpairment(runner, s, s.netem);
      const { idle, runs } = await measureCombination(runner, lab, bench, combo, { repeat, seconds, warmupSeconds, path, signal: opts.signal });
      if (runs.length === 0) {
        interrupted = true;
        break;
      }
      const result = aggregate(combo, runs, idle);
      results.push(result);
      const elapsed = performance.now() - t0;
      opts.onEvent?.({ type: 'result', k: i + 1, total: combos.length, result, etaMs: (elapsed / (i + 1)) * (combos.length - i - 1) });
    }
  } finally {
    await restore(runner, lab, [...touched.values()], before);
    await restoreOffloads(runner, offloadsBefore);
    opts.onEvent?.({ type: 'restored' });
  }
  return {
    lab: lab.name,
    from: bench.from,
    to: bench.toNode,
    target: bench.target,
    protocol: spec.protocol ?? 'tcp',
    seconds,
    warmupSeconds,
    repeat,
    dimensions: bench.dimensions.map((d) => ({ name: d.name, values: d.values, on: (d.on ?? []).map((o) => `${o.node}:${o.ifname}`) })),
    path: path.map((p) => `${p.node}:${p.ifname}`),
    results,
    startedAt: started.toISOString(),
    ms: performance.now() - t0,
    interrupted,
  };
}

/** What the sweep needs, found missing before anything is changed: kernel features, a shaper for a queue sweep, ethtool. */
async function preflight(runner: Runner, lab: Lab, bench: Bench, path: readonly PathInterface[]): Promise<void> {
  const features = new Set(bench.dimensions.map((d) => FEATURE_OF[d.name]).filter((f): f is Feature => f !== undefined));
  // Each queue swept needs its qdisc (the fifos every kernel has need none).
  for (const d of bench.dimensions) if (d.name === 'queue') for (const v of d.values) for (const k of qdiscKinds({ shape: { rate: '1mbit', queue: v as NonNullable<RawShape['queue']> } })) features.add(k);
  await requireFeatures(runner, features, 'nothing was measured');
  const queue = bench.dimensions.find((d) => d.name === 'queue');
  if (queue && netemTargets(bench, queue, lab, path).length === 0) {
    throw new BenchError(`the queue sweep has no shaper to stand in front of: no interface on the path ${bench.from} → ${bench.toNode} has \`shape:\``, 'add `shape: { rate: … }` to the bottleneck\'s netem, name shaped interfaces with `on:`, or sweep `shape` too');
  }
  if (bench.dimensions.some((d) => d.name === 'offload')) requireTools(['ethtool']);
}

/** One combination, its settings in place: the idle RTT, a warm-up, then `repeat` runs (fewer when interrupted). */
async function measureCombination(runner: Runner, lab: Lab, bench: Bench, combo: Combination, o: { repeat: number; seconds: number; warmupSeconds: number; path: readonly PathInterface[]; signal?: AbortSignal }): Promise<{ idle?: number; runs: RunMeasurement[] }> {
  const spec = bench.spec;
  const m = {
    path: o.path,
    streams: Number(combo.streams ?? spec.streams ?? 1),
    length: combo.length === undefined ? spec.length : String(combo.length),
    congestion: combo.congestion === undefined ? spec.congestion : String(combo.congestion),
  };
  const idle = await idleRtt(runner, lab, bench);
  // Warm-up: one run whose figures are thrown away (ARP, route and
  // qdisc state, CPU clocks settle). Not iperf3's --omit: with iperf3
  // 3.12 it misreports — through a 20mbit shaper 3 of 15 runs with
  // `-O 1` reported ~23.5 Mbit/s received, none of 12 without it.
  // iperf3 takes whole seconds (and -t 0 would mean forever).
  if (o.warmupSeconds > 0) await measure(runner, lab, bench, { ...m, seconds: Math.max(1, Math.ceil(o.warmupSeconds)) });
  const runs: RunMeasurement[] = [];
  for (let r = 0; r < o.repeat && !o.signal?.aborted; r++) runs.push(await measure(runner, lab, bench, { ...m, seconds: o.seconds }));
  return { ...(idle !== undefined ? { idle } : {}), runs };
}

/** `ip -j link show` of the namespaces involved: current MTU and queue length. */
async function readLinks(runner: Runner, settings: readonly InterfaceSetting[]): Promise<Map<string, ObservedLinkSettings[]>> {
  const out = new Map<string, ObservedLinkSettings[]>();
  for (const ns of new Set(settings.map((s) => s.ns))) {
    const r = await runner.run({ argv: [...nsPrefix(ns), 'ip', '-j', 'link', 'show'] });
    if (r.exitCode !== 0) throw new BenchError(`cannot read links in ${ns}: ${(r.failedToRun ?? r.stderr).trim()}`);
    out.set(ns, (JSON.parse(r.stdout) as ObservedLinkSettings[]).map((l) => ({ ifname: l.ifname, mtu: l.mtu, txqlen: l.txqlen })));
  }
  return out;
}

async function applyLinks(runner: Runner, settings: readonly InterfaceSetting[]): Promise<void> {
  for (const [ns, cmds] of linkCommands(settings)) {
    const input = cmds.map((argv) => argv.slice(1).join(' ')).join('\n') + '\n';
    const r = await runner.run({ argv: [...nsPrefix(ns), 'ip', '-batch', '-'], input });
    if (r.exitCode !== 0) throw new BenchError(`setting links in ${ns} failed: ${r.stderr.trim()}`, 'the kernel refused a value; `nslab exec` into the node to see its links');
  }
  const wrong = linkMismatches(settings, await readLinks(runner, settings));
  if (wrong.length) throw new BenchError(`the kernel does not hold what was set: ${wrong.join('; ')}`);
}

/** Put MTU, queue length and impairments back as they were; read back. */
async function restore(runner: Runner, lab: Lab, touched: readonly InterfaceSetting[], before: ReadonlyMap<string, readonly ObservedLinkSettings[]>): Promise<void> {
  const original = touched.map((s) => {
    const o = before.get(s.ns)?.find((l) => l.ifname === s.ifname);
    return { ...s, mtu: s.mtu !== undefined ? o?.mtu : undefined, txqueuelen: s.txqueuelen !== undefined ? o?.txqlen : undefined, netem: undefined };
  });
  await applyLinks(runner, original);
  for (const s of touched) {
    if (!s.netem) continue;
    await setImpairment(runner, s, declaredNetem(lab, s.node, s.ifname));
  }
}

/** One iperf3 run with a ping beside it, on a path emptied of the previous run's packets (checks/quiet-path.ts says why). */
async function measure(runner: Runner, lab: Lab, bench: Bench, m: { path: readonly PathInterface[]; seconds: number; streams: number; length?: string; congestion?: string }): Promise<RunMeasurement> {
  const spec = bench.spec;
  const nsOf = (n: string) => lab.nodes.find((x) => x.name === n)!.ns;
  await awaitQuietPath(runner, m.path);
  return withIperfServer(nsOf(bench.toNode), bench.target, async (server) => {
    const client = iperfClientArgv({ protocol: spec.protocol, seconds: m.seconds, streams: m.streams, bitrate: spec.bitrate }, bench.target, { length: m.length, congestion: m.congestion });
    const total = m.seconds;
    const pinging = spec.latency === false ? undefined : runner.run({ argv: inNs(nsOf(bench.from), probeArgv(bench.target, { seconds: total })), timeoutMs: (total + 10) * 1000 });
    const statBefore = readFileSync('/proc/stat', 'utf8');
    const r = await runner.run({ argv: inNs(nsOf(bench.from), client), timeoutMs: (total + 30) * 1000 });
    const statAfter = readFileSync('/proc/stat', 'utf8');
    const pingOut = pinging && (await pinging).stdout;
    const ping = pingOut ? parsePing(pingOut) : undefined;
    const under = pingOut ? latencyOf(rttSamples(pingOut)) : undefined;
    const parsed = parseIperf(r.stdout);
    if (!parsed.ok) throw new BenchError(`iperf3 ${bench.from} → ${bench.target}: ${withServerSide(parsed.error, await server.said())}`, IPERF_HINT);
    const p = parsed.result;
    const cpu = cpuSecondsPerGbit(statBefore, statAfter, p.bitsPerSecond, p.seconds);
    return {
      bitsPerSecond: p.bitsPerSecond,
      ...(cpu !== undefined ? { cpuSecPerGbit: cpu } : {}),
      ...(p.retransmits !== undefined ? { retransmits: p.retransmits } : {}),
      ...(ping?.rtt ? { rttMs: ping.rtt.avg } : {}),
      ...(under ? { rttP50Ms: under.p50Ms, rttP90Ms: under.p90Ms, rttP99Ms: under.p99Ms, rttMaxMs: under.maxMs } : {}),
      ...(p.lossPercent !== undefined ? { lossPct: p.lossPercent } : {}),
      ...(p.jitterMs !== undefined ? { jitterMs: p.jitterMs } : {}),
    };
  });
}

/** The median RTT of the idle path, before a combination's runs (the settings already applied). */
async function idleRtt(runner: Runner, lab: Lab, bench: Bench): Promise<number | undefined> {
  if (bench.spec.latency === false) return undefined;
  const ns = lab.nodes.find((x) => x.name === bench.from)!.ns;
  const r = await runner.run({ argv: inNs(ns, probeArgv(bench.target, { count: IDLE_PROBES })), timeoutMs: 10_000 });
  return latencyOf(rttSamples(r.stdout))?.p50Ms;
}

const ethtool = (runner: Runner, s: Pick<InterfaceSetting, 'ns'>, argv: string[]) => runner.run({ argv: [...nsPrefix(s.ns), ...argv] });

async function readOffloads(runner: Runner, s: InterfaceSetting): Promise<Offloads | undefined> {
  return parseOffloads((await ethtool(runner, s, ['ethtool', '-k', s.ifname])).stdout);
}

async function readAllOffloads(runner: Runner, settings: readonly InterfaceSetting[]): Promise<Map<InterfaceSetting, Offloads>> {
  const out = new Map<InterfaceSetting, Offloads>();
  for (const s of settings) {
    const o = await readOffloads(runner, s);
    if (!o) throw new BenchError(`cannot read the offloads of ${s.node}:${s.ifname} (ethtool -k)`);
    out.set(s, o);
  }
  return out;
}

/** GSO, GRO and TSO as the combination says, then read back: a driver may refuse one, or tie them. */
async function applyOffloads(runner: Runner, settings: readonly InterfaceSetting[]): Promise<void> {
  for (const s of settings) {
    if (!s.offload) continue;
    const r = await ethtool(runner, s, offloadArgv(s.ifname, s.offload));
    if (r.exitCode !== 0) throw new BenchError(`ethtool could not set offloads ${s.offload} on ${s.node}:${s.ifname}: ${(r.failedToRun ?? r.stderr).trim()}`);
    const wrong = offloadMismatches(`${s.node}:${s.ifname}`, s.offload, await readOffloads(runner, s));
    if (wrong.length) throw new BenchError(`the kernel does not hold what was set: ${wrong.join('; ')}`);
  }
}

/** Each feature back as it was before the sweep, read back. */
async function restoreOffloads(runner: Runner, before: ReadonlyMap<InterfaceSetting, Offloads>): Promise<void> {
  for (const [s, was] of before) {
    await ethtool(runner, s, offloadArgv(s.ifname, was));
    const now = await readOffloads(runner, s);
    if (JSON.stringify(now) !== JSON.stringify(was)) throw new BenchError(`offloads of ${s.node}:${s.ifname} not restored: ${JSON.stringify(now)}, was ${JSON.stringify(was)}`);
  }
}
